#include "server/proxyheader.h"

#include <QtEndian>

#include <algorithm>

namespace parley::relay::proxyheader {

namespace {

// PROXY protocol v2 §2.2: "\r\n\r\n\0\r\nQUIT\n".
QByteArrayView signature()
{
    static constexpr char bytes[] = "\x0D\x0A\x0D\x0A\x00\x0D\x0A\x51\x55\x49\x54\x0A";
    return QByteArrayView(bytes, 12);
}

constexpr quint8 kVersion2 = 0x20;
constexpr quint8 kCommandLocal = 0x00;
constexpr quint8 kCommandProxy = 0x01;
constexpr quint8 kFamilyUnspec = 0x00;
constexpr quint8 kFamilyInet = 0x10;
constexpr quint8 kFamilyInet6 = 0x20;
constexpr quint8 kFamilyUnix = 0x30;
constexpr quint8 kTransportUnspec = 0x00;
constexpr quint8 kTransportStream = 0x01;

} // namespace

bool startsLikeHeader(QByteArrayView bytes)
{
    const qsizetype n = std::min<qsizetype>(bytes.size(), signature().size());
    return n > 0 && bytes.first(n) == signature().first(n);
}

Result parse(QByteArrayView bytes)
{
    const QByteArrayView sig = signature();
    const qsizetype compared = std::min<qsizetype>(bytes.size(), sig.size());
    if (bytes.first(compared) != sig.first(compared)) {
        return Invalid{"not a PROXY protocol v2 header"};
    }
    if (bytes.size() < kFixedBytes) {
        return NeedMore{kFixedBytes};
    }
    const auto *raw = reinterpret_cast<const uchar *>(bytes.data());
    const quint8 versionCommand = raw[12];
    const quint8 familyTransport = raw[13];
    const int length = qFromBigEndian<quint16>(raw + 14);
    if ((versionCommand & 0xF0) != kVersion2) {
        return Invalid{"PROXY protocol header of another version than 2"};
    }
    const quint8 command = versionCommand & 0x0F;
    if (command != kCommandLocal && command != kCommandProxy) {
        return Invalid{"PROXY protocol v2 header with an unknown command"};
    }
    if (length > kMaxVariableBytes) {
        return Invalid{"PROXY protocol v2 header longer than the relay accepts"};
    }
    if (bytes.size() < kFixedBytes + length) {
        return NeedMore{kFixedBytes + length};
    }

    Header header;
    header.length = kFixedBytes + length;
    const quint8 family = familyTransport & 0xF0;
    const quint8 transport = familyTransport & 0x0F;
    if (command == kCommandLocal) {
        // The proxy speaking for itself (health checks): the address block is ignored.
        header.local = true;
        return header;
    }
    if (family == kFamilyUnspec) {
        // §2.2: the receiver uses the connection's own addresses.
        return header;
    }
    if (transport != kTransportStream) {
        return Invalid{transport == kTransportUnspec
                           ? "PROXY protocol v2 header without a transport"
                           : "PROXY protocol v2 header for a datagram connection"};
    }
    const uchar *block = raw + kFixedBytes;
    if (family == kFamilyInet) {
        if (length < 12) {
            return Invalid{"PROXY protocol v2 IPv4 address block is too short"};
        }
        header.family = Header::Family::IPv4;
        std::copy(block, block + 4, header.source.begin());
        header.sourcePort = qFromBigEndian<quint16>(block + 8);
        return header;
    }
    if (family == kFamilyInet6) {
        if (length < 36) {
            return Invalid{"PROXY protocol v2 IPv6 address block is too short"};
        }
        header.family = Header::Family::IPv6;
        std::copy(block, block + 16, header.source.begin());
        header.sourcePort = qFromBigEndian<quint16>(block + 32);
        return header;
    }
    if (family == kFamilyUnix) {
        return Invalid{"PROXY protocol v2 header for a UNIX socket client (not supported)"};
    }
    return Invalid{"PROXY protocol v2 header with an unknown address family"};
}

} // namespace parley::relay::proxyheader

#include "crypto/address.h"

#include <charconv>
#include <optional>

namespace parley::crypto {

namespace {

bool isLowerAlnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool isSeparator(char c)
{
    return c == '.' || c == '_' || c == '-';
}

char foldAscii(char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool hasNonAscii(std::string_view text)
{
    for (const char c : text) {
        if (static_cast<unsigned char>(c) >= 0x80) {
            return true;
        }
    }
    return false;
}

// Canonical decimal: no sign, no leading zero, fits `T`, and within [min, max].
template<typename T>
bool parseCanonicalDecimal(std::string_view text, T min, T max, T &out)
{
    if (text.empty() || (text.size() > 1 && text[0] == '0')) {
        return false;
    }
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    T value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
        return false;
    }
    out = value;
    return true;
}

// nullopt if `label` (already case-folded) is a valid DNS label.
std::optional<AddressError> checkHostLabel(std::string_view label)
{
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
        return AddressError::RelayBadLabel;
    }
    for (const char c : label) {
        if (!isLowerAlnum(c) && c != '-') {
            return AddressError::InvalidCharacter;
        }
    }
    return std::nullopt;
}

} // namespace

const char *describe(AddressError error)
{
    switch (error) {
    case AddressError::Empty:
        return "The name is empty.";
    case AddressError::NonAscii:
        return "Only ASCII letters, digits and . _ - are allowed.";
    case AddressError::InvalidCharacter:
        return "The name contains a character that is not allowed.";
    case AddressError::UsernameTooShort:
        return "A username has at least 3 characters.";
    case AddressError::UsernameTooLong:
        return "A username has at most 32 characters.";
    case AddressError::UsernameBadBoundary:
        return "A username starts and ends with a letter or digit.";
    case AddressError::UsernameRepeatedSeparator:
        return "A username cannot contain two of . _ - in a row.";
    case AddressError::RelayNameTooLong:
        return "The relay name is too long.";
    case AddressError::RelayBadLabel:
        return "The relay name is not a valid host name.";
    case AddressError::RelayBadPort:
        return "The relay port must be a number from 1 to 65535.";
    case AddressError::MissingSeparator:
        return "The address is not of the form user@relay (or user@relay/device).";
    case AddressError::BadDeviceId:
        return "The device id must be a number from 1 to 4294967295.";
    }
    return "Unknown address error.";
}

std::variant<std::string, AddressError> normalizeUsername(std::string_view input)
{
    if (input.empty()) {
        return AddressError::Empty;
    }
    if (hasNonAscii(input)) {
        return AddressError::NonAscii;
    }
    std::string name;
    name.reserve(input.size());
    for (const char c : input) {
        const char folded = foldAscii(c);
        if (!isLowerAlnum(folded) && !isSeparator(folded)) {
            return AddressError::InvalidCharacter;
        }
        name.push_back(folded);
    }
    if (name.size() < kMinUsernameLength) {
        return AddressError::UsernameTooShort;
    }
    if (name.size() > kMaxUsernameLength) {
        return AddressError::UsernameTooLong;
    }
    if (!isLowerAlnum(name.front()) || !isLowerAlnum(name.back())) {
        return AddressError::UsernameBadBoundary;
    }
    for (std::size_t i = 1; i < name.size(); ++i) {
        if (isSeparator(name[i]) && isSeparator(name[i - 1])) {
            return AddressError::UsernameRepeatedSeparator;
        }
    }
    return name;
}

std::variant<std::string, AddressError> normalizeRelayName(std::string_view input)
{
    if (input.empty()) {
        return AddressError::Empty;
    }
    if (hasNonAscii(input)) {
        return AddressError::NonAscii;
    }
    if (input.size() > kMaxRelayNameLength) {
        return AddressError::RelayNameTooLong;
    }
    std::string_view host = input;
    std::string_view port;
    bool hasPort = false;
    if (const auto colon = input.find(':'); colon != std::string_view::npos) {
        host = input.substr(0, colon);
        port = input.substr(colon + 1);
        hasPort = true;
    }
    std::string out;
    out.reserve(input.size());
    for (const char c : host) {
        out.push_back(foldAscii(c));
    }
    std::string_view rest = out;
    while (true) {
        const auto dot = rest.find('.');
        if (const auto error = checkHostLabel(rest.substr(0, dot))) {
            return *error;
        }
        if (dot == std::string_view::npos) {
            break;
        }
        rest = rest.substr(dot + 1);
    }
    if (hasPort) {
        std::uint16_t value = 0;
        if (!parseCanonicalDecimal<std::uint16_t>(port, 1, 65535, value)) {
            return AddressError::RelayBadPort;
        }
        if (value != kDefaultRelayPort) {
            out.push_back(':');
            out.append(port);
        }
    }
    return out;
}

std::string AccountAddress::toString() const
{
    return username + '@' + relay;
}

std::variant<AccountAddress, AddressError> AccountAddress::make(std::string_view username,
                                                                std::string_view relay)
{
    auto user = normalizeUsername(username);
    if (const auto *error = std::get_if<AddressError>(&user)) {
        return *error;
    }
    auto host = normalizeRelayName(relay);
    if (const auto *error = std::get_if<AddressError>(&host)) {
        return *error;
    }
    return AccountAddress{std::move(std::get<std::string>(user)),
                          std::move(std::get<std::string>(host))};
}

std::variant<AccountAddress, AddressError> AccountAddress::parse(std::string_view text)
{
    if (text.empty()) {
        return AddressError::Empty;
    }
    const auto at = text.rfind('@');
    if (at == std::string_view::npos) {
        return AddressError::MissingSeparator;
    }
    return make(text.substr(0, at), text.substr(at + 1));
}

std::string DeviceAddress::toString() const
{
    return account.toString() + '/' + std::to_string(device.value);
}

std::variant<DeviceAddress, AddressError> DeviceAddress::parse(std::string_view text)
{
    if (text.empty()) {
        return AddressError::Empty;
    }
    const auto slash = text.rfind('/');
    if (slash == std::string_view::npos) {
        return AddressError::MissingSeparator;
    }
    auto account = AccountAddress::parse(text.substr(0, slash));
    if (const auto *error = std::get_if<AddressError>(&account)) {
        return *error;
    }
    std::uint32_t device = 0;
    if (!parseCanonicalDecimal<std::uint32_t>(text.substr(slash + 1), 1, UINT32_MAX, device)) {
        return AddressError::BadDeviceId;
    }
    return DeviceAddress{std::move(std::get<AccountAddress>(account)), DeviceId{device}};
}

void appendAccountAddress(std::vector<Byte> &out, const AccountAddress &address)
{
    out.push_back(static_cast<Byte>(address.username.size()));
    out.insert(out.end(), address.username.begin(), address.username.end());
    out.push_back(static_cast<Byte>(address.relay.size()));
    out.insert(out.end(), address.relay.begin(), address.relay.end());
}

void appendDeviceAddress(std::vector<Byte> &out, const DeviceAddress &address)
{
    appendAccountAddress(out, address.account);
    for (int shift = 24; shift >= 0; shift -= 8) {
        out.push_back(static_cast<Byte>(address.device.value >> shift));
    }
}

bool isCanonical(const AccountAddress &address)
{
    const auto user = normalizeUsername(address.username);
    const auto relay = normalizeRelayName(address.relay);
    const auto *u = std::get_if<std::string>(&user);
    const auto *r = std::get_if<std::string>(&relay);
    return u != nullptr && r != nullptr && *u == address.username && *r == address.relay;
}

} // namespace parley::crypto

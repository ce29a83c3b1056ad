#include "core/session/groupmessages.h"

#include "crypto/address.h"
#include "crypto/bytes.h"
#include "crypto/senderkey.h"
#include "crypto/senderkeymessage.h"
#include "crypto/senderkeyreceiver.h"
#include "crypto/senderkeysender.h"

#include <span>

namespace parley::core {

namespace {

crypto::ByteView viewOfBytes(const QByteArray &bytes)
{
    return {reinterpret_cast<const crypto::Byte *>(bytes.constData()), std::size_t(bytes.size())};
}

} // namespace

std::optional<crypto::DeviceAddress> parseDeviceAddress(const QString &address, quint32 device)
{
    auto parsed = crypto::AccountAddress::parse(address.toStdString());
    if (!std::holds_alternative<crypto::AccountAddress>(parsed)) {
        return std::nullopt;
    }
    return crypto::DeviceAddress{std::get<crypto::AccountAddress>(std::move(parsed)),
                                 crypto::DeviceId{device}};
}

const char *describe(GroupMessageError error)
{
    switch (error) {
    case GroupMessageError::Malformed:
        return "The group message is malformed.";
    case GroupMessageError::UnknownGroup:
        return "The group message is for a group this device does not know.";
    case GroupMessageError::NotAMember:
        return "The group message comes from a device that is not a member of the group.";
    case GroupMessageError::NoSenderKey:
        return "No sender key of that device is known for the group.";
    case GroupMessageError::Undecryptable:
        return "The group message could not be decrypted.";
    case GroupMessageError::Duplicate:
        return "The group message was received before.";
    case GroupMessageError::WrongGroup:
        return "The group message names another group than its header.";
    case GroupMessageError::EpochAhead:
        return "The group message was made at a membership this device does not know yet.";
    case GroupMessageError::TooLarge:
        return "The group message is too large.";
    }
    return "Unknown group message error.";
}

QString groupDeviceName(const QString &address, quint32 device)
{
    return address + QLatin1Char('/') + QString::number(device);
}

QStringList groupRecipients(const GroupState &state, const QString &self, quint32 selfDevice)
{
    QStringList recipients;
    for (const GroupMember &member : state.members) {
        for (const quint32 device : member.devices) {
            if (member.address == self && device == selfDevice) {
                continue;
            }
            recipients << groupDeviceName(member.address, device);
        }
    }
    return recipients;
}

SenderKeyPlan planSenderKey(const GroupState &state, const QString &self, quint32 selfDevice,
                            const QStringList &holders, bool haveKey)
{
    const QStringList recipients = groupRecipients(state, self, selfDevice);
    SenderKeyPlan plan;
    plan.rotate = !haveKey;
    for (const QString &holder : holders) {
        if (!recipients.contains(holder)) {
            plan.rotate = true; // C4 §5: a removed device holds the chain key
            break;
        }
    }
    for (const QString &recipient : recipients) {
        if (plan.rotate || !holders.contains(recipient)) {
            plan.distributeTo << recipient;
        }
    }
    return plan;
}

std::variant<QByteArray, GroupMessageError> encryptGroupText(crypto::SenderKeySender &sender,
                                                             const MessageContent &content)
{
    // A text, file or timer change (M1 §9.6, §9.9, §9.10) or an op (M1 §10): only under a
    // sender key.
    if (!content.isSenderKeyPlaintext() ||
        content.groupId != QByteArray(reinterpret_cast<const char *>(sender.groupId().data()),
                                      qsizetype(sender.groupId().size()))) {
        return GroupMessageError::Malformed;
    }
    const QByteArray plaintext = content.encode();
    if (plaintext.isEmpty()) {
        return GroupMessageError::Malformed;
    }
    auto encrypted = sender.encrypt(viewOfBytes(plaintext));
    if (const auto *bytes = std::get_if<std::vector<crypto::Byte>>(&encrypted)) {
        return QByteArray(reinterpret_cast<const char *>(bytes->data()), qsizetype(bytes->size()));
    }
    return GroupMessageError::TooLarge; // PlaintextTooLarge or ChainExhausted (then rotate)
}

std::optional<GroupMessageError> acceptSenderKey(const std::optional<GroupState> &state,
                                                 const MessageContent &content,
                                                 const QString &address, quint32 device,
                                                 const QByteArray &accountKey)
{
    if (content.kind != MessageContent::Kind::SenderKey ||
        content.senderKey.size() != kSenderKeyContentBytes) {
        return GroupMessageError::Malformed;
    }
    if (!state || state->groupId != content.groupId) {
        return GroupMessageError::UnknownGroup;
    }
    // The key a session made under another account key than the group lists (a member who
    // is no contact, pinned on first use, M1 §9.11) would replace the member's own.
    const GroupMember *member = state->member(address);
    if (!state->hasDevice(address, device) || member == nullptr ||
        member->accountKey.size() != accountKey.size() ||
        !crypto::constantTimeEqual(viewOfBytes(member->accountKey), viewOfBytes(accountKey))) {
        return GroupMessageError::NotAMember;
    }
    if (content.groupEpoch > state->epoch) {
        return GroupMessageError::EpochAhead;
    }
    return std::nullopt;
}

std::optional<QByteArray> groupOfMessage(const QByteArray &message)
{
    auto parsed = crypto::SenderKeyMessage::parse(viewOfBytes(message));
    if (const auto *header = std::get_if<crypto::SenderKeyMessage>(&parsed)) {
        return QByteArray(reinterpret_cast<const char *>(header->groupId.data()),
                          qsizetype(header->groupId.size()));
    }
    return std::nullopt;
}

std::variant<MessageContent, GroupMessageError>
openGroupText(const QByteArray &message, const std::optional<GroupState> &state,
              const QString &address, quint32 device, crypto::SenderKeyReceiver *receiver)
{
    const auto group = groupOfMessage(message);
    if (!group) {
        return GroupMessageError::Malformed;
    }
    if (!state || state->groupId != *group) {
        return GroupMessageError::UnknownGroup;
    }
    // M1 §9.6: membership first, from our own resolved state only.
    if (!state->hasDevice(address, device)) {
        return GroupMessageError::NotAMember;
    }
    const auto sender = parseDeviceAddress(address, device);
    if (!receiver || !sender || receiver->sender() != *sender) {
        return GroupMessageError::NoSenderKey;
    }
    auto opened = receiver->decrypt(viewOfBytes(message), *sender);
    if (const auto *error = std::get_if<crypto::SenderKeyError>(&opened)) {
        switch (*error) {
        case crypto::SenderKeyError::Duplicate:
            return GroupMessageError::Duplicate;
        case crypto::SenderKeyError::UnknownKeyId:
            return GroupMessageError::NoSenderKey;
        case crypto::SenderKeyError::Malformed:
        case crypto::SenderKeyError::UnsupportedVersion:
            return GroupMessageError::Malformed;
        default:
            return GroupMessageError::Undecryptable;
        }
    }
    const auto &plaintext = std::get<crypto::WipedBytes>(opened);
    const auto view = plaintext.view();
    auto decoded = MessageContent::decode(
        QByteArray(reinterpret_cast<const char *>(view.data()), qsizetype(view.size())));
    auto *content = std::get_if<MessageContent>(&decoded);
    if (!content || !content->isSenderKeyPlaintext()) {
        return GroupMessageError::Malformed;
    }
    if (content->groupId != *group) {
        return GroupMessageError::WrongGroup;
    }
    if (content->groupEpoch > state->epoch) {
        return GroupMessageError::EpochAhead;
    }
    return std::move(*content);
}

} // namespace parley::core

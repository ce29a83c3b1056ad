// libFuzzer target: what an import reads from a profile archive (docs/protocol.md B1, B2, B3)
// before and after decryption — the header checks (no Argon2id: deliberately slow), chunk lengths,
// the record splitter fed in uneven pieces, and core's record decoders. A crafted archive
// must give an error, never a crash or an unbounded allocation.

#include "core/account/archiverecords.h"
#include "crypto/profilearchive.h"

#include <cstddef>
#include <cstdint>

using namespace parley::crypto;
namespace archive = parley::core::archive;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const ByteView input(data, size);
    VaultParameters parameters;
    if (!ArchiveOpener::checkHeader(input, &parameters)) {
        if (parameters.opsLimit < kVaultMinOpsLimit || parameters.opsLimit > kVaultMaxOpsLimit ||
            parameters.memLimit < kVaultMinMemLimit || parameters.memLimit > kVaultMaxMemLimit) {
            __builtin_trap(); // only accepted parameters come out
        }
    }
    if (size >= 4) {
        const auto length = ArchiveOpener::chunkLength(input.first(4));
        if (const auto *value = std::get_if<std::size_t>(&length);
            value != nullptr && (*value < kArchiveChunkOverhead ||
                                 *value > kArchiveMaxChunkBytes + kArchiveChunkOverhead)) {
            __builtin_trap();
        }
    }
    // The bytes after the first as decrypted plaintext, fed in two pieces split where the
    // first byte says (chunks end anywhere inside a record).
    ArchiveRecordReader reader;
    const ByteView stream = size == 0 ? input : input.subspan(1);
    const std::size_t split = size == 0 ? 0 : data[0] % (stream.size() + 1);
    for (ByteView part : {stream.first(split), stream.subspan(split)}) {
        if (reader.feed(part)) {
            return 0;
        }
        while (auto record = reader.next()) {
            if (record->body.size() > kArchiveMaxRecordBytes) {
                __builtin_trap();
            }
            switch (record->type) {
            case archive::kAccount:
                (void)archive::decodeAccount(record->body.view());
                break;
            case archive::kContact:
                (void)archive::decodeContact(record->body.view());
                break;
            case archive::kMessage:
                (void)archive::decodeMessage(record->body.view());
                break;
            case archive::kEnd:
                (void)archive::decodeEnd(record->body.view(), 1);
                (void)archive::decodeEnd(record->body.view(), 2);
                (void)archive::decodeEnd(record->body.view(), 3);
                break;
            case archive::kConversation:
                (void)archive::decodeConversation(record->body.view());
                break;
            case archive::kMessage2:
                for (const int version : {2, 3}) {
                    auto entry = archive::decodeMessage2(record->body.view(), version);
                    if (entry &&
                        ((entry->message.deleted && entry->message.isSystemRow()) ||
                         (entry->message.isTimerChange() && entry->message.isGroupEvent()) ||
                         entry->message.groupEvent.size() > archive::kMaxGroupEventBytes)) {
                        __builtin_trap(); // B2 §2.2, B3 §2.2: the flags exclude each other
                    }
                }
                break;
            case archive::kGroup:
            case archive::kGroupConversation:
                if (auto id = archive::decodeGroupId(record->body.view()); id && id->size() != 16) {
                    __builtin_trap();
                }
                break;
            case archive::kVersion:
                (void)archive::decodeVersion(record->body.view());
                break;
            case archive::kReaction:
                if (auto entry = archive::decodeReaction(record->body.view());
                    entry && (entry->emoji.isEmpty() ||
                              entry->emoji.toUtf8().size() > archive::kMaxEmojiBytes)) {
                    __builtin_trap();
                }
                break;
            case archive::kAttachment:
                if (auto entry = archive::decodeAttachment(record->body.view());
                    entry && !entry->ref.isValid()) {
                    __builtin_trap(); // only a complete, valid descriptor comes out
                }
                break;
            default:
                break;
            }
        }
    }
    return 0;
}

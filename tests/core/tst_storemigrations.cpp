// Schema history of the profile database: a committed fixture profile per past schema version
// must open (and migrate) with this build and still read back what it was written with.
// tests/core/fixtures/README.md says how the fixtures are made.

#include "core/session/groupchange.h"
#include "core/session/grouptextpipeline.h"
#include "core/session/messagecontent.h"
#include "core/session/messagepipeline.h"
#include "core/session/pipelinehelpers.h"
#include "core/store/attachmenttable.h"
#include "core/store/contacttable.h"
#include "core/store/conversationkey.h"
#include "core/store/conversationtable.h"
#include "core/store/groupreceipttable.h"
#include "core/store/grouptable.h"
#include "core/store/heldenvelopetable.h"
#include "core/store/identitytable.h"
#include "core/store/inboxtable.h"
#include "core/store/messagedetails.h"
#include "core/store/messagetable.h"
#include "core/store/messageversiontable.h"
#include "core/store/outboxtable.h"
#include "core/store/owedgroupcontenttable.h"
#include "core/store/pendingoptable.h"
#include "core/store/reactiontable.h"
#include "core/store/resetfailuretable.h"
#include "core/store/schemamigrations.h"
#include "core/store/searchindex.h"
#include "core/store/sentratchettable.h"
#include "core/store/sessiontable.h"
#include "core/store/sqlreplaycache.h"
#include "core/store/uploadtable.h"
#include "crypto/signingkeypair.h"
#include "storetesthelpers.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace parley::core;
using namespace parley::core::test;
namespace crypto = parley::crypto;

namespace {

const QString kFixturePassphrase = QStringLiteral("parley fixture passphrase");

crypto::WipedBytes filled(crypto::Byte value)
{
    crypto::WipedBytes bytes(32);
    std::fill(bytes.data(), bytes.data() + 32, value);
    return bytes;
}

const QString kFixtureGroup = QStringLiteral("Fixture group");

StoreStatus writeGroup(StoreContext &context)
{
    const auto key = crypto::SigningKeyPair::fromSeed(filled(0x01).view());
    const QByteArray publicKey(reinterpret_cast<const char *>(key->publicKey().data()), 32);
    GroupChange change;
    change.op = GroupOp::Create;
    change.parent = QByteArray(32, 's');
    change.groupId = groupIdFor(publicKey, change.parent);
    change.signer = QStringLiteral("alice@relay.example");
    change.name = kFixtureGroup;
    change.members = {{change.signer, publicKey, {1}, true},
                      {QStringLiteral("bob@relay.example"), QByteArray(32, '\x04'), {1, 2}, false}};
    auto made = signGroupChange(change, *key);
    if (const auto *error = std::get_if<GroupError>(&made)) {
        return StoreError{StoreError::Code::DatabaseFailed, QString::fromLatin1(describe(*error))};
    }
    const auto &signedChange = std::get<GroupChange>(made);
    GroupTable groups(context);
    auto row = groups.ensure(signedChange.groupId, 5000);
    if (const auto *error = std::get_if<StoreError>(&row)) {
        return *error;
    }
    if (auto added = groups.addChange(std::get<GroupRowId>(row), signedChange, 5000);
        const auto *error = std::get_if<StoreError>(&added)) {
        return *error;
    }
    return groups.saveState(std::get<GroupRowId>(row), signedChange.state(), 5000);
}

// What every fixture holds; writeFixture() writes it, checkFixture() expects it.
StoreStatus writeContents(StoreContext &context)
{
    return context.transaction([&]() -> StoreStatus {
        OwnIdentityRecord identity;
        identity.address = QStringLiteral("alice@relay.example");
        identity.deviceId = 1;
        identity.accountSeed = filled(0x01);
        identity.deviceSigningSeed = filled(0x02);
        identity.deviceIdentityKey = filled(0x03);
        identity.deviceCertificate = QByteArrayLiteral("fixture certificate");
        if (auto saved = IdentityTable(context).save(identity);
            std::holds_alternative<StoreError>(saved)) {
            return saved;
        }
        ContactRecord bob;
        bob.address = QStringLiteral("bob@relay.example");
        bob.accountKey = QByteArray(32, '\x04');
        bob.verified = true;
        bob.displayName = QStringLiteral("Bob (fixture)");
        // Schema v3 (written into profile-v3 and later only): a key change waiting.
        bob.pendingAccountKey = QByteArray(32, '\x07');
        bob.keyChangedAt = 4000;
        auto contact = ContactTable(context).put(bob);
        if (const auto *error = std::get_if<StoreError>(&contact)) {
            return *error;
        }
        auto conversation =
            ConversationTable(context).forContact(std::get<ContactId>(contact), 1000);
        if (const auto *error = std::get_if<StoreError>(&conversation)) {
            return *error;
        }
        std::vector<MessageRecord> messages(3);
        for (int i = 0; i < 3; ++i) {
            auto &message = messages[std::size_t(i)];
            message.conversation = std::get<ConversationId>(conversation);
            message.direction =
                i == 1 ? MessageRecord::Direction::Outgoing : MessageRecord::Direction::Incoming;
            message.clientMessageId = QByteArray(16, char('0' + i));
            message.sentAt = 1000 + i;
            message.storedAt = 2000 + i;
            message.state = i == 1 ? MessageRecord::State::Read : MessageRecord::State::Received;
            message.body = QStringLiteral("fixture message %1").arg(i + 1);
        }
        auto first = MessageTable(context).appendBatch(messages);
        if (const auto *error = std::get_if<StoreError>(&first)) {
            return *error;
        }
        // Schema v6 (written into profile-v6 and later only): Bob reacted to the third message.
        ReactionRecord reaction;
        reaction.message = MessageId{std::get<MessageId>(first).value + 2};
        reaction.author = std::get<ContactId>(contact).value;
        reaction.opId = QByteArray(16, 'r');
        reaction.sentAt = 3000;
        reaction.emoji = QStringLiteral("👍");
        if (auto put = ReactionTable(context).put(reaction);
            std::holds_alternative<StoreError>(put)) {
            return put;
        }
        // Schema v7 (written into profile-v7 and later only): disappearing messages set to
        // one hour by Bob's change 16 × 't' (the messages above were stored before it).
        if (auto set = ConversationTable(context).setTimer(std::get<ConversationId>(conversation),
                                                           {3600, 4500, QByteArray(16, 't')});
            std::holds_alternative<StoreError>(set)) {
            return set;
        }
        // Schema v8 (written into profile-v8 and later only): Bob's first message is a file.
        AttachmentRecord file;
        file.message = std::get<MessageId>(first);
        file.ref.blobId = QByteArray(32, 'b');
        file.ref.key = QByteArray(32, 'k');
        file.ref.digest = QByteArray(32, 'd');
        file.ref.size = 1234;
        file.ref.fileName = QStringLiteral("fixture.txt");
        file.ref.mimeType = QStringLiteral("text/plain");
        file.caption = QStringLiteral("fixture caption");
        file.localFile = QStringLiteral("fixture.blob");
        if (auto put = AttachmentTable(context).insert(file, 3000);
            std::holds_alternative<StoreError>(put)) {
            return put;
        }
        // Schema v10 (written into profile-v10 and later only): a group alice made with bob.
        if (auto grouped = writeGroup(context); std::holds_alternative<StoreError>(grouped)) {
            return grouped;
        }
        // Schema v12 (profile-v12 and later): a group text in that group; since v14 a message
        // of the group's conversation (storeGroupText; profile-v12 has it in group_messages).
        GroupMessageRecord text;
        text.groupId = QByteArray(16, 'g');
        text.sender = QStringLiteral("bob@relay.example");
        text.senderDevice = 1;
        text.clientMessageId = QByteArray(16, 't');
        text.epoch = 1;
        text.text = QStringLiteral("fixture group text");
        text.sentAt = 5000;
        text.receivedAt = 5001;
        auto groupText = storeGroupText(context, text, false);
        if (const auto *error = std::get_if<StoreError>(&groupText)) {
            return *error;
        }
        // Schema v16 (profile-v16 and later): the group's conversation shows that alice (this
        // profile) added bob, as a system row (messages.group_event).
        auto groupConversation = ConversationTable(context).forGroup(text.groupId, 5000);
        if (const auto *error = std::get_if<StoreError>(&groupConversation)) {
            return *error;
        }
        MessageRecord event;
        event.conversation = std::get<ConversationId>(groupConversation);
        event.clientMessageId = QByteArray(16, 'e');
        event.sentAt = 4900;
        event.storedAt = 4900;
        event.state = MessageRecord::State::Seen;
        event.body = QString();
        event.groupEvent =
            QByteArrayLiteral(R"({"by":"alice@relay.example","added":["bob@relay.example"]})");
        if (auto appended = MessageTable(context).append(event);
            std::holds_alternative<StoreError>(appended)) {
            return std::get<StoreError>(appended);
        }
        // Schema v17 (profile-v17 and later): a file to bob whose upload a crash cut off.
        UploadRecord upload;
        upload.address = QStringLiteral("bob@relay.example");
        upload.clientMessageId = QByteArray(16, 'u');
        upload.ref.key = QByteArray(32, 'k');
        upload.ref.digest = QByteArray(32, 'd');
        upload.ref.size = 4321;
        upload.ref.fileName = QStringLiteral("unsent.bin");
        upload.ref.mimeType = QStringLiteral("application/octet-stream");
        upload.caption = QStringLiteral("unsent caption");
        upload.localFile = QStringLiteral("unsent.blob");
        auto uploadId = UploadTable(context).insert(upload, 5600);
        if (const auto *error = std::get_if<StoreError>(&uploadId)) {
            return *error;
        }
        if (auto set =
                UploadTable(context).setBlobId(std::get<qint64>(uploadId), QByteArray(32, 'b'));
            std::holds_alternative<StoreError>(set)) {
            return set;
        }
        // Schema v18 (profile-v18 and later): a group text of ours, sealed to bob, which bob
        // has delivered (group_receipts).
        GroupMessageRecord ours = text;
        ours.sender = QStringLiteral("alice@relay.example");
        ours.clientMessageId = QByteArray(16, 'o');
        ours.text = QStringLiteral("see you at the trailhead");
        ours.sentAt = ours.receivedAt = 5700;
        auto ownText = storeGroupText(context, ours, true);
        if (const auto *error = std::get_if<StoreError>(&ownText)) {
            return *error;
        }
        const MessageId ownId = *std::get<std::optional<MessageId>>(ownText);
        GroupReceiptTable receipts(context);
        if (auto expected = receipts.expect(ownId, {QStringLiteral("bob@relay.example")});
            std::holds_alternative<StoreError>(expected)) {
            return expected;
        }
        if (auto recorded = receipts.record(ownId, QStringLiteral("bob@relay.example"),
                                            MessageRecord::State::Delivered);
            std::holds_alternative<StoreError>(recorded)) {
            return std::get<StoreError>(recorded);
        }
        if (auto set = MessageTable(context).setState(ownId, MessageRecord::State::Delivered);
            std::holds_alternative<StoreError>(set)) {
            return set;
        }
        // Schema v19 (profile-v19 and later): that text is owed to carol, whom alice could not
        // reach when she sent it (group_owed).
        if (auto owed = OwedGroupContentTable(context).add(QByteArray(16, 'g'), ownId,
                                                           QStringLiteral("carol@relay.example"),
                                                           QByteArrayLiteral("owed content"), 5800);
            std::holds_alternative<StoreError>(owed)) {
            return std::get<StoreError>(owed);
        }
        // Schema v15 (profile-v15 and later): carol, a member who is no contact, reacted to
        // that text (message_reactions.member).
        ReactionRecord memberReaction;
        memberReaction.message = *std::get<std::optional<MessageId>>(groupText);
        memberReaction.member = QStringLiteral("carol@relay.example");
        memberReaction.opId = QByteArray(16, 'c');
        memberReaction.sentAt = 5500;
        memberReaction.emoji = QStringLiteral("🎉");
        if (auto put = ReactionTable(context).put(memberReaction);
            std::holds_alternative<StoreError>(put)) {
            return put;
        }
        SessionRecord session;
        session.contact = std::get<ContactId>(contact);
        session.deviceId = 1;
        session.state = filled(0x05);
        session.associatedData = QByteArrayLiteral("fixture ad");
        auto sessionId = SessionTable(context).insert(session);
        if (const auto *error = std::get_if<StoreError>(&sessionId)) {
            return *error;
        }
        SqlReplayCache cache(context);
        crypto::InitialMessageId initial{};
        initial.fill(0x06);
        cache.insert(initial, 9, crypto::SessionRef(std::get<SessionId>(sessionId).value));
        if (cache.error()) {
            return *cache.error();
        }
        OutboxEntry entry;
        entry.clientMessageId = QByteArray(16, '1');
        entry.message = MessageId{std::get<MessageId>(first).value + 1};
        entry.envelope = QByteArrayLiteral("fixture envelope");
        entry.recipients = {QStringLiteral("bob@relay.example/1")};
        if (auto added = OutboxTable(context).add(entry);
            std::holds_alternative<StoreError>(added)) {
            return std::get<StoreError>(added);
        }
        return InboxTable(context).insert(InboxTable::envelopeHash("fixture"), 3000);
    });
}

} // namespace

class TestStoreMigrations : public QObject
{
    Q_OBJECT

private slots:
    void writeFixture();
    void opensFixture_data();
    void opensFixture();
    void v1UpgradeAddsAccountColumns();
    void v2UpgradeAddsKeyChangeAndResetTables();
    void v3UpgradeAddsFailureReasons();
    void v4UpgradeAddsUnreadIndex();
    void v5UpgradeAddsRepliesReactionsEditsDeletion();
    void v6UpgradeAddsDisappearingMessages();
    void v7UpgradeAddsAttachments();
    void v8UpgradeKeepsEveryContactAcceptedAndUnblocked();
    void v12UpgradeMakesGroupTextsMessages();
    void v14UpgradeAddsMemberReactionsAndQuoteAuthors();
};

void TestStoreMigrations::writeFixture()
{
    // The documented step that makes tests/core/fixtures/profile-v<N> for the current schema.
    const QString target = qEnvironmentVariable("PARLEY_WRITE_STORE_FIXTURE");
    if (target.isEmpty()) {
        QSKIP("set PARLEY_WRITE_STORE_FIXTURE=DIR to write a fixture profile (fixtures/README.md)");
    }
    ProfileStore store(target);
    QVERIFY(succeeded(
        take(store.create(passphrase(kFixturePassphrase), crypto::VaultParameters::minimum()))));
    QVERIFY(succeeded(take(store.run(writeContents))));
}

void TestStoreMigrations::opensFixture_data()
{
    QTest::addColumn<int>("version");
    for (int version = 1; version <= SchemaMigrations::kVersion; ++version) {
        QTest::addRow("v%d", version) << version;
    }
}

void TestStoreMigrations::opensFixture()
{
    QFETCH(int, version);
    const QDir fixture(QStringLiteral(PARLEY_STORE_FIXTURES "/profile-v%1").arg(version));
    QVERIFY2(fixture.exists(), qPrintable(fixture.path()));
    QTemporaryDir dir;
    for (const QString &name : fixture.entryList(QDir::Files)) {
        QVERIFY(QFile::copy(fixture.filePath(name), dir.filePath(name)));
        QFile(dir.filePath(name)).setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    }

    ProfileStore store(dir.path());
    QVERIFY(succeeded(take(store.unlock(passphrase(kFixturePassphrase)))));
    auto contents = take(store.run([](StoreContext &context) -> StoreResult<QStringList> {
        QStringList seen;
        QSqlQuery query(context.database());
        if (!query.exec(QStringLiteral("PRAGMA user_version")) || !query.next()) {
            return StoreContext::queryError(query);
        }
        seen << QString::number(query.value(0).toInt());
        auto identity = IdentityTable(context).load();
        if (const auto *error = std::get_if<StoreError>(&identity)) {
            return *error;
        }
        const auto &own = std::get<OwnIdentityRecord>(identity);
        seen << own.address << QString::number(own.deviceId)
             << QString::number(own.deviceIdentityKey.data()[0]);
        auto bob = ContactTable(context).findByAddress(QStringLiteral("bob@relay.example"));
        if (const auto *error = std::get_if<StoreError>(&bob)) {
            return *error;
        }
        const auto &contact = std::get<ContactRecord>(bob);
        seen << contact.displayName.value_or(QString()) << QString::number(contact.verified);
        // Before v3 there was no pending key; the v3 fixture was written with one.
        seen << QString::number(contact.pendingAccountKey.isEmpty() ? 0
                                                                    : contact.pendingAccountKey[0])
             << QString::number(contact.keyChangedAt);
        auto conversation = ConversationTable(context).forContact(contact.id, 0);
        auto page = MessageTable(context).page(std::get<ConversationId>(conversation), {}, 10);
        if (const auto *error = std::get_if<StoreError>(&page)) {
            return *error;
        }
        for (const auto &message : std::get<std::vector<MessageRecord>>(page)) {
            seen << std::get<QString>(message.body);
        }
        auto session = SessionTable(context).current(contact.id, 1);
        seen << QString::fromLatin1(
            std::get<std::optional<SessionRecord>>(session)->associatedData);
        crypto::InitialMessageId initial{};
        initial.fill(0x06);
        seen << QString::number(SqlReplayCache(context).find(initial).has_value());
        auto outbox = OutboxTable(context).list();
        seen << QString::fromLatin1(
            std::get<OutboxEntry>(std::get<std::vector<StoreResult<OutboxEntry>>>(outbox)[0])
                .envelope);
        seen << QString::number(
            std::get<bool>(InboxTable(context).contains(InboxTable::envelopeHash("fixture"))));
        QStringList reacted;
        for (const auto &message : std::get<std::vector<MessageRecord>>(page)) {
            auto reactions = ReactionTable(context).forMessage(message.id);
            if (const auto *error = std::get_if<StoreError>(&reactions)) {
                return *error;
            }
            for (const ReactionRecord &reaction :
                 std::get<std::vector<ReactionRecord>>(reactions)) {
                reacted << reaction.emoji;
            }
        }
        seen << reacted.join(u',');
        auto timer = ConversationTable(context).timer(std::get<ConversationId>(conversation));
        if (const auto *error = std::get_if<StoreError>(&timer)) {
            return *error;
        }
        seen << QString::number(std::get<ConversationTimer>(timer).seconds);
        QStringList files;
        for (const auto &message : std::get<std::vector<MessageRecord>>(page)) {
            auto file = AttachmentTable(context).find(message.id);
            if (const auto *error = std::get_if<StoreError>(&file)) {
                return *error;
            }
            if (const auto &found = std::get<std::optional<AttachmentRecord>>(file)) {
                files << QStringLiteral("%1 %2 %3 %4")
                             .arg(found->ref.fileName, found->caption, found->localFile)
                             .arg(found->ref.size);
            }
        }
        seen << files.join(u',');
        auto groups = GroupTable(context).list();
        if (const auto *error = std::get_if<StoreError>(&groups)) {
            return *error;
        }
        QStringList grouped;
        for (const GroupState &group : std::get<std::vector<GroupState>>(groups)) {
            QStringList members;
            for (const GroupMember &member : group.members) {
                members << QStringLiteral("%1%2 %3")
                               .arg(member.address, member.admin ? QStringLiteral("*") : QString())
                               .arg(member.devices.size());
            }
            auto changes = GroupTable(context).changes(GroupRowId{1});
            grouped << QStringLiteral("%1 %2 %3 %4")
                           .arg(group.name)
                           .arg(group.epoch)
                           .arg(members.join(u','))
                           .arg(std::holds_alternative<std::vector<QByteArray>>(changes)
                                    ? std::get<std::vector<QByteArray>>(changes).size()
                                    : 0);
        }
        seen << grouped.join(u';');
        // Indexed by search() itself, the background indexer or (v11, v12) as it was written.
        auto found = SearchIndex(context).search(QStringLiteral("FIXTURE messa"), {}, 10);
        if (const auto *error = std::get_if<StoreError>(&found)) {
            return *error;
        }
        QStringList hits;
        for (const SearchHit &hit : std::get<SearchPage>(found).hits) {
            hits << hit.body;
        }
        seen << hits.join(u',');
        // ... and nothing is left waiting for the index (schema v13's watermark).
        auto waiting = SearchIndex(context).backlog();
        if (const auto *error = std::get_if<StoreError>(&waiting)) {
            return *error;
        }
        seen << QString::number(std::get<qint64>(waiting));
        // v12's group texts are messages of their group's conversation since v14.
        auto texts = groupHistory(context, QByteArray(16, 'g'));
        if (const auto *error = std::get_if<StoreError>(&texts)) {
            return *error;
        }
        QStringList textList;
        QStringList receiptList; // v18: each member's receipt of our group texts
        for (const GroupMessageRecord &text : std::get<std::vector<GroupMessageRecord>>(texts)) {
            textList << QStringLiteral("%1/%2 %3")
                            .arg(text.sender)
                            .arg(text.senderDevice)
                            .arg(text.text);
            auto members = GroupReceiptTable(context).forMessage(text.message);
            if (const auto *error = std::get_if<StoreError>(&members)) {
                return *error;
            }
            for (const auto &[member, state] : std::get<GroupReceiptTable::Members>(members)) {
                receiptList << QStringLiteral("%1 %2").arg(member).arg(int(state));
            }
        }
        seen << textList.join(u',') << receiptList.join(u',');
        // v19: what a group owes a member it could not reach.
        auto owed = OwedGroupContentTable(context).forGroup(QByteArray(16, 'g'));
        if (const auto *error = std::get_if<StoreError>(&owed)) {
            return *error;
        }
        QStringList owedList;
        for (const OwedGroupContent &row : std::get<std::vector<OwedGroupContent>>(owed)) {
            owedList << row.member + QLatin1Char(' ') + QString::fromLatin1(row.content);
        }
        seen << owedList.join(u',');
        // v16: the group's membership rows, with their contact names.
        auto groupRows =
            conversationHistory(context, groupConversationKey(QByteArray(16, 'g')), 10);
        if (const auto *error = std::get_if<StoreError>(&groupRows)) {
            return *error;
        }
        QStringList events;
        if (const auto &items = std::get<std::optional<std::vector<HistoryItem>>>(groupRows)) {
            for (const HistoryItem &item : *items) {
                if (item.record.isGroupEvent()) {
                    events << item.systemText;
                }
            }
        }
        seen << events.join(u',');
        // v15: a group member's reaction (no contact) to the group text.
        QStringList memberReactions;
        for (const GroupMessageRecord &text : std::get<std::vector<GroupMessageRecord>>(texts)) {
            auto reactions = ReactionTable(context).forMessage(text.message);
            if (const auto *error = std::get_if<StoreError>(&reactions)) {
                return *error;
            }
            for (const ReactionRecord &reaction :
                 std::get<std::vector<ReactionRecord>>(reactions)) {
                memberReactions << reaction.member + QLatin1Char(' ') + reaction.emoji;
            }
        }
        seen << memberReactions.join(u',');
        auto summaries = ConversationTable(context).summaries();
        if (const auto *error = std::get_if<StoreError>(&summaries)) {
            return *error;
        }
        QStringList listed;
        for (const ConversationSummary &summary :
             std::get<std::vector<ConversationSummary>>(summaries)) {
            listed << QStringLiteral("%1 %2").arg(summary.address).arg(summary.unreadCount);
        }
        seen << listed.join(u',');
        auto groupHits = SearchIndex(context).search(QStringLiteral("group text"), {}, 10);
        if (const auto *error = std::get_if<StoreError>(&groupHits)) {
            return *error;
        }
        seen << QString::number(std::get<SearchPage>(groupHits).hits.size());
        // v16: a file's caption is searchable, also when the index covered it before v16.
        auto captionHits = SearchIndex(context).search(QStringLiteral("fixture caption"), {}, 10);
        if (const auto *error = std::get_if<StoreError>(&captionHits)) {
            return *error;
        }
        seen << QString::number(std::get<SearchPage>(captionHits).hits.size());
        // v17: the upload a crash cut off, with its key and the relay's blob id, to resume.
        auto uploads = UploadTable(context).list();
        if (const auto *error = std::get_if<StoreError>(&uploads)) {
            return *error;
        }
        QStringList pending;
        for (const UploadRecord &upload : std::get<std::vector<UploadRecord>>(uploads)) {
            pending << QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8")
                           .arg(upload.address, QString::fromLatin1(upload.clientMessageId),
                                upload.ref.fileName, upload.caption, upload.localFile)
                           .arg(upload.ref.size)
                           .arg(upload.ref.key == QByteArray(32, 'k') &&
                                upload.ref.digest == QByteArray(32, 'd'))
                           .arg(upload.blobId == QByteArray(32, 'b'));
        }
        seen << pending.join(u',');
        return seen;
    }));
    QCOMPARE(
        valueOf(contents),
        (QStringList{QString::number(SchemaMigrations::kVersion),
                     QStringLiteral("alice@relay.example"),
                     QStringLiteral("1"),
                     QStringLiteral("3"),
                     QStringLiteral("Bob (fixture)"),
                     QStringLiteral("1"),
                     version >= 3 ? QStringLiteral("7") : QStringLiteral("0"),
                     version >= 3 ? QStringLiteral("4000") : QStringLiteral("0"),
                     QStringLiteral("fixture message 3"),
                     QStringLiteral("fixture message 2"),
                     QStringLiteral("fixture message 1"),
                     QStringLiteral("fixture ad"),
                     QStringLiteral("1"),
                     QStringLiteral("fixture envelope"),
                     QStringLiteral("1"),
                     version >= 6 ? QStringLiteral("👍") : QString(),
                     version >= 7 ? QStringLiteral("3600") : QStringLiteral("0"),
                     version >= 8 ? QStringLiteral("fixture.txt fixture caption fixture.blob 1234")
                                  : QString(),
                     version >= 10 ? QStringLiteral("Fixture group 1 alice@relay.example* 1,"
                                                    "bob@relay.example 2 1")
                                   : QString(),
                     QStringLiteral("fixture message 3,fixture message 2,fixture message 1"),
                     QStringLiteral("0"),
                     version >= 18   ? QStringLiteral("bob@relay.example/1 fixture group text,"
                                                        "alice@relay.example/1 see you at the "
                                                        "trailhead")
                     : version >= 12 ? QStringLiteral("bob@relay.example/1 fixture group text")
                                     : QString(),
                     version >= 18 ? QStringLiteral("bob@relay.example 2") : QString(),
                     version >= 19 ? QStringLiteral("carol@relay.example owed content") : QString(),
                     version >= 16 ? QStringLiteral("You added Bob (fixture).") : QString(),
                     version >= 15 ? QStringLiteral("carol@relay.example 🎉") : QString(),
                     version >= 12 ? QStringLiteral("group:67676767676767676767676767676767 1,"
                                                    "bob@relay.example 2")
                                   : QStringLiteral("bob@relay.example 2"),
                     version >= 12 ? QStringLiteral("1") : QStringLiteral("0"),
                     version >= 8 ? QStringLiteral("1") : QStringLiteral("0"),
                     version >= 17 ? QStringLiteral("bob@relay.example uuuuuuuuuuuuuuuu unsent.bin "
                                                    "unsent caption unsent.blob 4321 1 1")
                                   : QString()}));
}

void TestStoreMigrations::v1UpgradeAddsAccountColumns()
{
    // v1 → v2 (accounts): the identity keeps everything it had; the new columns start empty
    // (no relay URL, no device list, not registered, prekey ids from 1) and can be written.
    const QDir fixture(QStringLiteral(PARLEY_STORE_FIXTURES "/profile-v1"));
    QTemporaryDir dir;
    for (const QString &name : fixture.entryList(QDir::Files)) {
        QVERIFY(QFile::copy(fixture.filePath(name), dir.filePath(name)));
        QFile(dir.filePath(name)).setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    }
    ProfileStore store(dir.path());
    QVERIFY(succeeded(take(store.unlock(passphrase(kFixturePassphrase)))));
    auto upgraded = valueOf(
        take(store.run([](StoreContext &context) { return IdentityTable(context).load(); })));
    QCOMPARE(upgraded.address, QStringLiteral("alice@relay.example"));
    QVERIFY(upgraded.relayUrl.isEmpty());
    QVERIFY(upgraded.deviceList.isEmpty());
    QVERIFY(!upgraded.registered);
    QCOMPARE(upgraded.nextOneTimePreKeyId, quint32(1));
    QCOMPARE(upgraded.nextSignedPreKeyId, quint32(1));

    auto written =
        valueOf(take(store.run([](StoreContext &context) -> StoreResult<OwnIdentityRecord> {
            IdentityTable identities(context);
            if (auto saved = identities.setRelayUrl(QStringLiteral("wss://relay.example"));
                std::holds_alternative<StoreError>(saved)) {
                return std::get<StoreError>(saved);
            }
            if (auto saved = identities.setRegistered(true);
                std::holds_alternative<StoreError>(saved)) {
                return std::get<StoreError>(saved);
            }
            return identities.load();
        })));
    QCOMPARE(written.relayUrl, QStringLiteral("wss://relay.example"));
    QVERIFY(written.registered);
    QCOMPARE(written.deviceIdentityKey.data()[0], 3);
}

void TestStoreMigrations::v2UpgradeAddsKeyChangeAndResetTables()
{
    // v2 → v3 (key changes, session resets): contacts keep everything and have no pending key
    // change; the new tables start empty and work.
    const QDir fixture(QStringLiteral(PARLEY_STORE_FIXTURES "/profile-v2"));
    QTemporaryDir dir;
    for (const QString &name : fixture.entryList(QDir::Files)) {
        QVERIFY(QFile::copy(fixture.filePath(name), dir.filePath(name)));
        QFile(dir.filePath(name)).setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    }
    ProfileStore store(dir.path());
    QVERIFY(succeeded(take(store.unlock(passphrase(kFixturePassphrase)))));
    auto checked = valueOf(take(store.run([](StoreContext &context) -> StoreResult<QStringList> {
        QStringList seen;
        ContactTable contacts(context);
        auto found = contacts.findByAddress(QStringLiteral("bob@relay.example"));
        if (const auto *error = std::get_if<StoreError>(&found)) {
            return *error;
        }
        ContactRecord bob = std::get<ContactRecord>(found);
        seen << QString::number(bob.pendingAccountKey.size()) << QString::number(bob.keyChangedAt)
             << QString::number(bob.verified);
        auto pending = contacts.withPendingKeyChange();
        seen << QString::number(std::get<std::vector<ContactRecord>>(pending).size());
        // A key change recorded and held envelopes kept, encrypted, per contact.
        bob.pendingAccountKey = QByteArray(32, '\x08');
        bob.keyChangedAt = 5000;
        if (auto put = contacts.put(bob); std::holds_alternative<StoreError>(put)) {
            return std::get<StoreError>(put);
        }
        HeldEnvelopeTable held(context);
        if (auto added = held.add(bob.id, QByteArrayLiteral("held envelope"), 5000);
            std::holds_alternative<StoreError>(added)) {
            return std::get<StoreError>(added);
        }
        auto list = held.forContact(bob.id);
        seen << QString::fromLatin1(std::get<std::vector<HeldEnvelope>>(list).at(0).envelope);
        auto again = contacts.findByAddress(QStringLiteral("bob@relay.example"));
        seen << QString::number(std::get<ContactRecord>(again).pendingAccountKey.at(0))
             << QString::number(std::get<ContactRecord>(again).keyChangedAt);
        // Sent-message names per session, and the requester's failures.
        auto session = SessionTable(context).current(bob.id, 1);
        const SessionId sessionId = std::get<std::optional<SessionRecord>>(session)->id;
        SentRatchetTable sent(context);
        if (auto recorded = sent.record(sessionId, QByteArray(32, 'k'), 7, MessageId{1});
            std::holds_alternative<StoreError>(recorded)) {
            return std::get<StoreError>(recorded);
        }
        auto hit = sent.find(sessionId, QByteArray(32, 'k'), 7);
        auto miss = sent.find(sessionId, QByteArray(32, 'k'), 8);
        seen << QString::number(std::get<std::optional<MessageId>>(hit)->value)
             << QString::number(std::get<std::optional<MessageId>>(miss).has_value());
        ResetFailureTable failures(context);
        ResetFailure failure;
        failure.contact = bob.id;
        failure.deviceId = 1;
        failure.ratchetKey = QByteArray(32, 'r');
        failure.messageNumber = 3;
        failure.message = MessageId{1};
        failure.failedAt = 6000;
        if (auto added = failures.add(failure); std::holds_alternative<StoreError>(added)) {
            return std::get<StoreError>(added);
        }
        auto waiting = failures.unrequested(bob.id, 1, 64);
        seen << QString::number(std::get<std::vector<ResetFailure>>(waiting).size());
        if (auto marked =
                failures.markRequested(std::get<std::vector<ResetFailure>>(waiting), 7000);
            std::holds_alternative<StoreError>(marked)) {
            return std::get<StoreError>(marked);
        }
        seen << QString::number(std::get<qint64>(failures.lastRequestedAt(bob.id, 1)))
             << QString::number(
                    std::get<std::vector<std::pair<ContactId, quint32>>>(failures.devicesWaiting())
                        .size());
        return seen;
    })));
    QCOMPARE(checked,
             (QStringList{QStringLiteral("0"), QStringLiteral("0"), QStringLiteral("1"),
                          QStringLiteral("0"), QStringLiteral("held envelope"), QStringLiteral("8"),
                          QStringLiteral("5000"), QStringLiteral("1"), QStringLiteral("0"),
                          QStringLiteral("1"), QStringLiteral("7000"), QStringLiteral("0")}));
}

void TestStoreMigrations::v3UpgradeAddsFailureReasons()
{
    // v3 → v4 (failed with a reason): every message keeps its state and has no failure
    // reason; a message can then fail with one, and a later state clears it.
    const QDir fixture(QStringLiteral(PARLEY_STORE_FIXTURES "/profile-v3"));
    QTemporaryDir dir;
    for (const QString &name : fixture.entryList(QDir::Files)) {
        QVERIFY(QFile::copy(fixture.filePath(name), dir.filePath(name)));
        QFile(dir.filePath(name)).setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    }
    ProfileStore store(dir.path());
    QVERIFY(succeeded(take(store.unlock(passphrase(kFixturePassphrase)))));
    auto checked = valueOf(take(store.run([](StoreContext &context) -> StoreResult<QStringList> {
        using Reason = MessageRecord::FailureReason;
        QStringList seen;
        auto bob = ContactTable(context).findByAddress(QStringLiteral("bob@relay.example"));
        if (const auto *error = std::get_if<StoreError>(&bob)) {
            return *error;
        }
        auto found = ConversationTable(context).forContact(std::get<ContactRecord>(bob).id, 0);
        if (const auto *error = std::get_if<StoreError>(&found)) {
            return *error;
        }
        const ConversationId conversation = std::get<ConversationId>(found);
        const auto describeAll = [&]() -> StoreResult<QString> {
            auto page = MessageTable(context).page(conversation, {}, 10);
            if (const auto *error = std::get_if<StoreError>(&page)) {
                return *error;
            }
            QStringList rows;
            for (const auto &message : std::get<std::vector<MessageRecord>>(page)) {
                rows << QStringLiteral("%1:%2")
                            .arg(int(message.state))
                            .arg(int(message.failureReason));
            }
            return rows.join(u' ');
        };
        auto before = describeAll();
        if (const auto *error = std::get_if<StoreError>(&before)) {
            return *error;
        }
        seen << std::get<QString>(before);
        // The fixture's outgoing message (the middle one) fails, then a receipt overtakes it.
        auto outgoing = MessageTable(context).findByClientId(
            conversation, MessageRecord::Direction::Outgoing, QByteArray(16, '1'));
        if (const auto *error = std::get_if<StoreError>(&outgoing)) {
            return *error;
        }
        const MessageId id = std::get<std::optional<MessageRecord>>(outgoing)->id;
        if (auto set = MessageTable(context).setFailed(id, Reason::UnknownRecipient);
            std::holds_alternative<StoreError>(set)) {
            return std::get<StoreError>(set);
        }
        seen << std::get<QString>(describeAll());
        if (auto set = MessageTable(context).setState(id, MessageRecord::State::Delivered);
            std::holds_alternative<StoreError>(set)) {
            return std::get<StoreError>(set);
        }
        seen << std::get<QString>(describeAll());
        // The column refuses what no reason is.
        QSqlQuery query(context.database());
        seen << QString::number(
            query.exec(QStringLiteral("UPDATE messages SET failure_reason = 256 WHERE id = %1")
                           .arg(id.value)));
        return seen;
    })));
    QCOMPARE(checked, (QStringList{QStringLiteral("5:0 3:0 5:0"), QStringLiteral("5:0 4:1 5:0"),
                                   QStringLiteral("5:0 2:0 5:0"), QStringLiteral("0")}));
}

void TestStoreMigrations::v4UpgradeAddsUnreadIndex()
{
    // v4 → v5: the conversation list's unread count reads the partial index messages_unread
    // (not every incoming row of the conversation), and counts what it counted before.
    const QDir fixture(QStringLiteral(PARLEY_STORE_FIXTURES "/profile-v4"));
    QTemporaryDir dir;
    for (const QString &name : fixture.entryList(QDir::Files)) {
        QVERIFY(QFile::copy(fixture.filePath(name), dir.filePath(name)));
        QFile(dir.filePath(name)).setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    }
    ProfileStore store(dir.path());
    QVERIFY(succeeded(take(store.unlock(passphrase(kFixturePassphrase)))));
    auto checked = valueOf(take(store.run([](StoreContext &context) -> StoreResult<QStringList> {
        QStringList seen;
        QSqlQuery plan(context.database());
        if (!plan.exec(QStringLiteral("EXPLAIN QUERY PLAN SELECT count(*) FROM messages m "
                                      "WHERE m.conversation_id = 1 AND m.direction = 0 "
                                      "AND m.state = 5"))) {
            return StoreContext::queryError(plan);
        }
        QString steps;
        while (plan.next()) {
            steps += plan.value(3).toString() + QLatin1Char(';');
        }
        seen << QString::number(steps.contains(QStringLiteral("messages_unread")));
        QSqlQuery unread(context.database());
        if (!unread.exec(QStringLiteral("SELECT count(*) FROM messages NOT INDEXED "
                                        "WHERE direction = 0 AND state = 5")) ||
            !unread.next()) {
            return StoreContext::queryError(unread);
        }
        seen << unread.value(0).toString();
        auto summaries = ConversationTable(context).summaries();
        if (const auto *error = std::get_if<StoreError>(&summaries)) {
            return *error;
        }
        int counted = 0;
        for (const ConversationSummary &summary :
             std::get<std::vector<ConversationSummary>>(summaries)) {
            counted += summary.unreadCount;
        }
        seen << QString::number(counted);
        return seen;
    })));
    QCOMPARE(checked.value(0), QStringLiteral("1"));
    QVERIFY(checked.value(1).toInt() > 0); // the fixture has unread incoming messages
    QCOMPARE(checked.value(2), checked.value(1));
}

void TestStoreMigrations::v5UpgradeAddsRepliesReactionsEditsDeletion()
{
    // v5 → v6 (protocol M1 §5): every message keeps its text, quotes nothing, is neither
    // edited nor deleted; the new tables start empty, and an edit, a reaction, a held op and
    // a deletion work on the upgraded rows.
    const QDir fixture(QStringLiteral(PARLEY_STORE_FIXTURES "/profile-v5"));
    QTemporaryDir dir;
    for (const QString &name : fixture.entryList(QDir::Files)) {
        QVERIFY(QFile::copy(fixture.filePath(name), dir.filePath(name)));
        QFile(dir.filePath(name)).setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    }
    ProfileStore store(dir.path());
    QVERIFY(succeeded(take(store.unlock(passphrase(kFixturePassphrase)))));
    auto checked = valueOf(take(store.run([](StoreContext &context) -> StoreResult<QStringList> {
        using Result = pipeline::OpOutcome::Result;
        QStringList seen;
        auto bob = ContactTable(context).findByAddress(QStringLiteral("bob@relay.example"));
        if (const auto *error = std::get_if<StoreError>(&bob)) {
            return *error;
        }
        const qint64 author = std::get<ContactRecord>(bob).id.value;
        auto found = ConversationTable(context).forContact(std::get<ContactRecord>(bob).id, 0);
        const ConversationId conversation = std::get<ConversationId>(found);
        auto page = MessageTable(context).page(conversation, {}, 10);
        if (const auto *error = std::get_if<StoreError>(&page)) {
            return *error;
        }
        for (const auto &message : std::get<std::vector<MessageRecord>>(page)) {
            seen << QStringLiteral("%1:%2:%3:%4")
                        .arg(std::get<QString>(message.body))
                        .arg(message.replyTo.size())
                        .arg(message.isEdited())
                        .arg(message.deleted);
        }
        QSqlQuery empty(context.database());
        if (!empty.exec(QStringLiteral("SELECT (SELECT count(*) FROM message_versions) + "
                                       "(SELECT count(*) FROM message_reactions) + "
                                       "(SELECT count(*) FROM pending_message_ops)")) ||
            !empty.next()) {
            return StoreContext::queryError(empty);
        }
        seen << empty.value(0).toString();
        // The fixture's first message is Bob's (incoming, client id 16 × '0').
        const QByteArray first(16, '0');
        const auto apply = [&](const MessageContent &op) -> StoreResult<Result> {
            auto applied = pipeline::applyMessageOp(context, conversation, author, op, true, 1);
            if (const auto *error = std::get_if<StoreError>(&applied)) {
                return *error;
            }
            return std::get<pipeline::OpOutcome>(applied).result;
        };
        for (const MessageContent &op :
             {MessageContent::makeEdit(first, QStringLiteral("edited"), 5000),
              MessageContent::makeReaction(first, QStringLiteral("👍"), 5000),
              MessageContent::makeDelete(QByteArray(16, '9'), 5000),
              MessageContent::makeDelete(QByteArray(16, '1'), 5000)}) {
            auto result = apply(op);
            if (const auto *error = std::get_if<StoreError>(&result)) {
                return *error;
            }
            seen << QString::number(int(std::get<Result>(result)));
        }
        auto edited = MessageTable(context).findByClientId(
            conversation, MessageRecord::Direction::Incoming, first);
        const auto &row = *std::get<std::optional<MessageRecord>>(edited);
        auto versions = MessageVersionTable(context).forMessage(row.id, first);
        if (const auto *error = std::get_if<StoreError>(&versions)) {
            return *error;
        }
        seen << std::get<QString>(row.body)
             << QString::number(std::get<std::vector<MessageVersion>>(versions).size());
        return seen;
    })));
    QCOMPARE(checked, (QStringList{QStringLiteral("fixture message 3:0:0:0"),
                                   QStringLiteral("fixture message 2:0:0:0"),
                                   QStringLiteral("fixture message 1:0:0:0"), QStringLiteral("0"),
                                   // edit, reaction applied; a delete of an unknown id held; Bob's
                                   // delete of OUR message (the fixture's outgoing one) rejected
                                   QString::number(int(pipeline::OpOutcome::Result::Applied)),
                                   QString::number(int(pipeline::OpOutcome::Result::Applied)),
                                   QString::number(int(pipeline::OpOutcome::Result::Pending)),
                                   QString::number(int(pipeline::OpOutcome::Result::Rejected)),
                                   QStringLiteral("edited"), QStringLiteral("2")}));
}

void TestStoreMigrations::v6UpgradeAddsDisappearingMessages()
{
    // v6 → v7 (protocol M1 §6): the timer is off and nothing expires; a timer set afterwards
    // gives new rows an expiry, and the sweep (through the new index) deletes them.
    const QDir fixture(QStringLiteral(PARLEY_STORE_FIXTURES "/profile-v6"));
    QTemporaryDir dir;
    for (const QString &name : fixture.entryList(QDir::Files)) {
        QVERIFY(QFile::copy(fixture.filePath(name), dir.filePath(name)));
        QFile(dir.filePath(name)).setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    }
    ProfileStore store(dir.path());
    QVERIFY(succeeded(take(store.unlock(passphrase(kFixturePassphrase)))));
    auto checked = valueOf(take(store.run([](StoreContext &context) -> StoreResult<QStringList> {
        QStringList seen;
        auto bob = ContactTable(context).findByAddress(QStringLiteral("bob@relay.example"));
        if (const auto *error = std::get_if<StoreError>(&bob)) {
            return *error;
        }
        auto found = ConversationTable(context).forContact(std::get<ContactRecord>(bob).id, 0);
        const ConversationId conversation = std::get<ConversationId>(found);
        auto timer = ConversationTable(context).timer(conversation);
        if (const auto *error = std::get_if<StoreError>(&timer)) {
            return *error;
        }
        seen << QString::number(std::get<ConversationTimer>(timer).seconds)
             << QString::number(std::get<ConversationTimer>(timer).changeId.size());
        MessageTable messages(context);
        auto page = messages.page(conversation, {}, 10);
        if (const auto *error = std::get_if<StoreError>(&page)) {
            return *error;
        }
        for (const auto &message : std::get<std::vector<MessageRecord>>(page)) {
            seen << QStringLiteral("%1:%2").arg(message.expiresAt).arg(message.isTimerChange());
        }
        QSqlQuery index(context.database());
        if (!index.exec(QStringLiteral("SELECT count(*) FROM sqlite_master WHERE type = 'index' "
                                       "AND name = 'messages_expiry'")) ||
            !index.next()) {
            return StoreContext::queryError(index);
        }
        seen << index.value(0).toString();
        index.finish();
        if (auto set =
                ConversationTable(context).setTimer(conversation, {5, 6000, QByteArray(16, 'n')});
            std::holds_alternative<StoreError>(set)) {
            return std::get<StoreError>(set);
        }
        MessageRecord fresh;
        fresh.conversation = conversation;
        fresh.clientMessageId = QByteArray(16, 'f');
        fresh.sentAt = fresh.storedAt = 7000;
        fresh.body = QStringLiteral("new");
        if (auto appended = messages.append(fresh); std::holds_alternative<StoreError>(appended)) {
            return std::get<StoreError>(appended);
        }
        return seen;
    })));
    QCOMPARE(checked,
             (QStringList{QStringLiteral("0"), QStringLiteral("0"), QStringLiteral("0:0"),
                          QStringLiteral("0:0"), QStringLiteral("0:0"), QStringLiteral("1")}));
    auto swept = valueOf(
        take(store.run([](StoreContext &context) { return sweepExpired(context, 12'000); })));
    QCOMPARE(swept.removed.size(), std::size_t(1));
    QCOMPARE(swept.removed.front().clientMessageId, QByteArray(16, 'f'));
    QCOMPARE(swept.nextExpiry, 0);
}

void TestStoreMigrations::v7UpgradeAddsAttachments()
{
    // v7 → v8 (protocol M1 kind 0x0B): no message has a file; one can be stored, read back
    // (its descriptor encrypted at rest) and given its local file; a deletion for everyone
    // takes the row, and the key with it.
    const QDir fixture(QStringLiteral(PARLEY_STORE_FIXTURES "/profile-v7"));
    QTemporaryDir dir;
    for (const QString &name : fixture.entryList(QDir::Files)) {
        QVERIFY(QFile::copy(fixture.filePath(name), dir.filePath(name)));
        QFile(dir.filePath(name)).setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    }
    ProfileStore store(dir.path());
    QVERIFY(succeeded(take(store.unlock(passphrase(kFixturePassphrase)))));
    auto checked = valueOf(take(store.run([](StoreContext &context) -> StoreResult<QStringList> {
        QStringList seen;
        auto bob = ContactTable(context).findByAddress(QStringLiteral("bob@relay.example"));
        if (const auto *error = std::get_if<StoreError>(&bob)) {
            return *error;
        }
        auto found = ConversationTable(context).forContact(std::get<ContactRecord>(bob).id, 0);
        auto page = MessageTable(context).page(std::get<ConversationId>(found), {}, 10);
        if (const auto *error = std::get_if<StoreError>(&page)) {
            return *error;
        }
        const auto &rows = std::get<std::vector<MessageRecord>>(page);
        AttachmentTable files(context);
        auto none = files.forMessages(rows.back().id, rows.front().id);
        if (const auto *error = std::get_if<StoreError>(&none)) {
            return *error;
        }
        seen << QString::number(std::get<std::vector<AttachmentRecord>>(none).size());
        AttachmentRecord file;
        file.message = rows.front().id;
        file.ref.blobId = QByteArray(32, 'b');
        file.ref.key = QByteArray(32, 'k');
        file.ref.digest = QByteArray(32, 'd');
        file.ref.size = 99;
        file.ref.fileName = QStringLiteral("notes.txt");
        file.caption = QStringLiteral("for you");
        if (auto put = files.insert(file, 1); std::holds_alternative<StoreError>(put)) {
            return std::get<StoreError>(put);
        }
        // Encrypted at rest: neither the key nor the name is in the column.
        QSqlQuery raw(context.database());
        if (!raw.exec(QStringLiteral("SELECT descriptor FROM attachments")) || !raw.next()) {
            return StoreContext::queryError(raw);
        }
        const QByteArray sealed = raw.value(0).toByteArray();
        seen << QString::number(sealed.contains(QByteArray(32, 'k')) ||
                                sealed.contains("notes.txt"));
        if (auto set = files.setLocalFile(file.message, QStringLiteral("x.blob"), 2);
            std::holds_alternative<StoreError>(set)) {
            return std::get<StoreError>(set);
        }
        auto back = files.find(file.message);
        if (const auto *error = std::get_if<StoreError>(&back)) {
            return *error;
        }
        const auto &record = *std::get<std::optional<AttachmentRecord>>(back);
        seen << record.ref.fileName << record.caption << record.localFile
             << QString::number(record.ref.key == file.ref.key);
        if (auto deleted = MessageTable(context).setDeleted(file.message);
            std::holds_alternative<StoreError>(deleted)) {
            return std::get<StoreError>(deleted);
        }
        auto gone = files.find(file.message);
        if (const auto *error = std::get_if<StoreError>(&gone)) {
            return *error;
        }
        seen << QString::number(std::get<std::optional<AttachmentRecord>>(gone).has_value());
        return seen;
    })));
    QCOMPARE(checked,
             (QStringList{QStringLiteral("0"), QStringLiteral("0"), QStringLiteral("notes.txt"),
                          QStringLiteral("for you"), QStringLiteral("x.blob"), QStringLiteral("1"),
                          QStringLiteral("0")}));
}

void TestStoreMigrations::v8UpgradeKeepsEveryContactAcceptedAndUnblocked()
{
    // v8 → v9 (requests and blocking, protocol M1 §8): every contact of an older profile was
    // one the user had, so none becomes a request; none is blocked; blocking works.
    const QDir fixture(QStringLiteral(PARLEY_STORE_FIXTURES "/profile-v8"));
    QTemporaryDir dir;
    for (const QString &name : fixture.entryList(QDir::Files)) {
        QVERIFY(QFile::copy(fixture.filePath(name), dir.filePath(name)));
        QFile(dir.filePath(name)).setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    }
    ProfileStore store(dir.path());
    QVERIFY(succeeded(take(store.unlock(passphrase(kFixturePassphrase)))));
    auto checked = valueOf(take(store.run([](StoreContext &context) -> StoreResult<QStringList> {
        QStringList seen;
        auto all = ContactTable(context).all();
        if (const auto *error = std::get_if<StoreError>(&all)) {
            return *error;
        }
        for (const ContactRecord &contact : std::get<std::vector<ContactRecord>>(all)) {
            seen << QStringLiteral("%1:%2:%3")
                        .arg(contact.address)
                        .arg(contact.accepted)
                        .arg(contact.blocked);
        }
        auto summaries = ConversationTable(context).summaries();
        if (const auto *error = std::get_if<StoreError>(&summaries)) {
            return *error;
        }
        for (const ConversationSummary &summary :
             std::get<std::vector<ConversationSummary>>(summaries)) {
            seen << QStringLiteral("request:%1").arg(summary.request);
        }
        auto blocked = setBlockedInStore(context, QStringLiteral("bob@relay.example"), true, 9);
        if (const auto *error = std::get_if<StoreError>(&blocked)) {
            return *error;
        }
        auto list = ContactTable(context).blocked();
        if (const auto *error = std::get_if<StoreError>(&list)) {
            return *error;
        }
        seen << QString::number(std::get<std::vector<ContactRecord>>(list).size());
        return seen;
    })));
    QCOMPARE(checked, (QStringList{QStringLiteral("bob@relay.example:1:0"),
                                   QStringLiteral("request:0"), QStringLiteral("1")}));
}

void TestStoreMigrations::v12UpgradeMakesGroupTextsMessages()
{
    // v12 → v14 (groups are conversations): the group text of table group_messages is a row of
    // its group's conversation in messages, with its author, sealed again to its new cell
    // (C7 §2) and indexed; the old table is gone; the rebuilt tables keep their foreign keys
    // (on again after the migration) and their children; a second member's text with the same
    // client_message_id is a second row, not a duplicate.
    const QDir fixture(QStringLiteral(PARLEY_STORE_FIXTURES "/profile-v12"));
    QTemporaryDir dir;
    for (const QString &name : fixture.entryList(QDir::Files)) {
        QVERIFY(QFile::copy(fixture.filePath(name), dir.filePath(name)));
        QFile(dir.filePath(name)).setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    }
    ProfileStore store(dir.path());
    QVERIFY(succeeded(take(store.unlock(passphrase(kFixturePassphrase)))));
    auto checked = valueOf(take(store.run([](StoreContext &context) -> StoreResult<QStringList> {
        QStringList seen;
        auto scalar = [&context](const QString &sql) {
            QSqlQuery query(context.database());
            return query.exec(sql) && query.next() ? query.value(0).toString()
                                                   : QStringLiteral("error");
        };
        seen << scalar(QStringLiteral("PRAGMA foreign_keys"));
        seen << scalar(QStringLiteral("SELECT count(*) FROM sqlite_schema WHERE name IN "
                                      "('group_messages', 'conversations_v14', 'messages_v14')"));
        seen << scalar(QStringLiteral("SELECT author || '/' || author_device FROM messages m "
                                      "JOIN conversations c ON c.id = m.conversation_id "
                                      "WHERE c.group_id IS NOT NULL"));
        // The children of the rebuilt tables are still there (attachment, reaction, outbox
        // link, timer) and the trigger and indexes were made again.
        seen << scalar(QStringLiteral("SELECT count(*) FROM attachments"));
        seen << scalar(QStringLiteral("SELECT count(*) FROM message_reactions"));
        seen << scalar(QStringLiteral("SELECT count(*) FROM outbox WHERE message_id IS NOT NULL"));
        seen << scalar(QStringLiteral("SELECT count(*) FROM sqlite_schema WHERE name IN "
                                      "('messages_by_conversation', 'messages_unread', "
                                      "'messages_expiry', 'attachments_on_tombstone')"));
        auto hits = SearchIndex(context).search(QStringLiteral("fixture group"), {}, 10);
        if (const auto *error = std::get_if<StoreError>(&hits)) {
            return *error;
        }
        for (const SearchHit &hit : std::get<SearchPage>(hits).hits) {
            seen << hit.body;
        }
        // Mallory picks Bob's client_message_id: her text is stored beside his.
        GroupMessageRecord shadow;
        shadow.groupId = QByteArray(16, 'g');
        shadow.sender = QStringLiteral("mallory@relay.example");
        shadow.senderDevice = 3;
        shadow.clientMessageId = QByteArray(16, 't');
        shadow.text = QStringLiteral("shadow");
        shadow.sentAt = 6000;
        shadow.receivedAt = 6001;
        auto stored = storeGroupText(context, shadow, false);
        if (const auto *error = std::get_if<StoreError>(&stored)) {
            return *error;
        }
        seen << QString::number(std::get<std::optional<MessageId>>(stored).has_value());
        // A conversation is a contact's or a group's, never both nor neither.
        QSqlQuery bad(context.database());
        seen << QString::number(bad.exec(QStringLiteral(
            "INSERT INTO conversations (id, created_at, last_activity_at) VALUES (999, 0, 0)")));
        return seen;
    })));
    QCOMPARE(checked, (QStringList{QStringLiteral("1"), QStringLiteral("0"),
                                   QStringLiteral("bob@relay.example/1"), QStringLiteral("1"),
                                   QStringLiteral("1"), QStringLiteral("1"), QStringLiteral("4"),
                                   QStringLiteral("fixture group text"), QStringLiteral("1"),
                                   QStringLiteral("0")}));
}

QTEST_GUILESS_MAIN(TestStoreMigrations)
void TestStoreMigrations::v14UpgradeAddsMemberReactionsAndQuoteAuthors()
{
    // v14 → v15 (M1 §10): message_reactions is rebuilt with `member` — bob's 1:1 reaction keeps
    // its row id (its emoji still opens), its author and no member —; then several members
    // (no contacts) and we react to one group text, one row each; a reply keeps the author of
    // its quote, and pending_message_ops takes a group op's member and target author.
    const QDir fixture(QStringLiteral(PARLEY_STORE_FIXTURES "/profile-v14"));
    QTemporaryDir dir;
    for (const QString &name : fixture.entryList(QDir::Files)) {
        QVERIFY(QFile::copy(fixture.filePath(name), dir.filePath(name)));
        QFile(dir.filePath(name)).setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    }
    ProfileStore store(dir.path());
    QVERIFY(succeeded(take(store.unlock(passphrase(kFixturePassphrase)))));
    auto checked = valueOf(take(store.run([](StoreContext &context) -> StoreResult<QStringList> {
        QStringList seen;
        QSqlQuery query(context.database());
        if (!query.exec(QStringLiteral("SELECT id, author, member FROM message_reactions")) ||
            !query.next()) {
            return StoreContext::queryError(query);
        }
        const qint64 bobReaction = query.value(0).toLongLong();
        seen << QStringLiteral("%1 '%2'")
                    .arg(query.value(1).toLongLong() > 0)
                    .arg(query.value(2).toString());
        query.finish();
        auto texts = groupHistory(context, QByteArray(16, 'g'));
        if (const auto *error = std::get_if<StoreError>(&texts)) {
            return *error;
        }
        const MessageId text = std::get<std::vector<GroupMessageRecord>>(texts).front().message;
        for (const auto &[member, emoji] :
             {std::pair{QStringLiteral("carol@relay.example"), QStringLiteral("🎉")},
              std::pair{QStringLiteral("dave@relay.example"), QStringLiteral("👀")},
              std::pair{QString(), QStringLiteral("👍")}}) {
            ReactionRecord reaction;
            reaction.message = text;
            reaction.member = member;
            reaction.opId = QByteArray(16, 'o');
            reaction.sentAt = 6000;
            reaction.emoji = emoji;
            if (auto put = ReactionTable(context).put(reaction);
                std::holds_alternative<StoreError>(put)) {
                return std::get<StoreError>(put);
            }
        }
        auto reactions = ReactionTable(context).forMessage(text);
        if (const auto *error = std::get_if<StoreError>(&reactions)) {
            return *error;
        }
        for (const ReactionRecord &reaction : std::get<std::vector<ReactionRecord>>(reactions)) {
            seen << (reaction.isOwn() ? QStringLiteral("you") : reaction.member) +
                        QLatin1Char(' ') + reaction.emoji;
        }
        // Bob's 1:1 reaction still opens, under its old row id.
        auto conversation =
            ConversationTable(context).findByAddress(QStringLiteral("bob@relay.example"));
        auto page = MessageTable(context).page(
            *std::get<std::optional<ConversationId>>(conversation), {}, 10);
        for (const MessageRecord &message : std::get<std::vector<MessageRecord>>(page)) {
            auto own = ReactionTable(context).forMessage(message.id);
            for (const ReactionRecord &reaction : std::get<std::vector<ReactionRecord>>(own)) {
                seen << QStringLiteral("%1 %2").arg(reaction.id == bobReaction).arg(reaction.emoji);
            }
        }
        // A group reply names its quote's author (messages.reply_to_author).
        GroupMessageRecord reply;
        reply.groupId = QByteArray(16, 'g');
        reply.sender = QStringLiteral("carol@relay.example");
        reply.senderDevice = 1;
        reply.clientMessageId = QByteArray(16, 'q');
        reply.epoch = 1;
        reply.text = QStringLiteral("quoting bob");
        reply.sentAt = 7000;
        reply.receivedAt = 7001;
        auto stored = storeGroupText(context, reply, false);
        if (const auto *error = std::get_if<StoreError>(&stored)) {
            return *error;
        }
        if (!query.exec(
                QStringLiteral("UPDATE messages SET reply_to = X'74747474747474747474747474747474',"
                               " reply_to_author = 'bob@relay.example' WHERE id = %1")
                    .arg(std::get<std::optional<MessageId>>(stored)->value))) {
            return StoreContext::queryError(query);
        }
        auto row = MessageTable(context).find(*std::get<std::optional<MessageId>>(stored));
        if (const auto *error = std::get_if<StoreError>(&row)) {
            return *error;
        }
        seen << std::get<MessageRecord>(row).replyToAuthor;
        if (!query.exec(QStringLiteral("SELECT count(*) FROM pragma_table_info("
                                       "'pending_message_ops') WHERE name IN ('member', "
                                       "'target_author')")) ||
            !query.next()) {
            return StoreContext::queryError(query);
        }
        seen << query.value(0).toString();
        return seen;
    })));
    QCOMPARE(checked, (QStringList{QStringLiteral("1 ''"), QStringLiteral("carol@relay.example 🎉"),
                                   QStringLiteral("dave@relay.example 👀"), QStringLiteral("you 👍"),
                                   QStringLiteral("1 👍"), QStringLiteral("bob@relay.example"),
                                   QStringLiteral("2")}));
}

#include "tst_storemigrations.moc"

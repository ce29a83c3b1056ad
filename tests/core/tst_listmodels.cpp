// ConversationListModel and ContactListModel on a real profile store, under
// QAbstractItemModelTester: order by activity (moves, not resets), previews, unread counts,
// names, and coalesced reloads. Live updates from real SessionManagers are in
// tests/e2e/tst_e2e_models.cpp.

#include "core/models/contactlistmodel.h"
#include "core/models/conversationlistmodel.h"
#include "core/session/messagepipeline.h"
#include "core/store/attachmenttable.h"
#include "modeltesthelpers.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace parley::core;
using namespace parley::core::test;
using Direction = MessageRecord::Direction;
using State = MessageRecord::State;
using Tester = QAbstractItemModelTester;
using Roles = ConversationListModel::Role;

namespace {

const QString kAlice = QStringLiteral("alice@relay.example");
const QString kBob = QStringLiteral("bob@relay.example");
const QString kCarol = QStringLiteral("carol@relay.example");

QStringList column(const QAbstractItemModel &model, int role)
{
    QStringList values;
    for (int row = 0; row < model.rowCount(); ++row) {
        values.append(model.data(model.index(row, 0), role).toString());
    }
    return values;
}

void rename(ProfileStore &store, const QString &address, const QString &name)
{
    QVERIFY(succeeded(take(store.run([=](StoreContext &context) -> StoreStatus {
        ContactTable contacts(context);
        auto found = contacts.findByAddress(address);
        if (const auto *error = std::get_if<StoreError>(&found)) {
            return *error;
        }
        ContactRecord contact = std::get<ContactRecord>(found);
        contact.displayName = name;
        auto put = contacts.put(contact);
        if (const auto *error = std::get_if<StoreError>(&put)) {
            return *error;
        }
        return Done{};
    }))));
}

} // namespace

class TestListModels : public QObject
{
    Q_OBJECT

private slots:
    void conversationsByActivityWithPreviewAndUnread();
    void previewsAndInitials();
    void attachmentPreviews();
    void reloadsAreCoalesced();
    void contactsSortedByName();
};

void TestListModels::conversationsByActivityWithPreviewAndUnread()
{
    TestProfile profile;
    QVERIFY(profile.ok);
    ProfileStore &store = *profile.store;
    // alice: messages 1…5 (stored at 1…5 s); bob: 100…102 (stored at 100…102 s), so bob is
    // newer. Odd numbers are incoming and still Received: alice 3 unread, bob 1.
    QVERIFY(std::holds_alternative<ConversationId>(
        take(store.run([](StoreContext &context) { return writeHistory(context, kAlice, 5); }))));
    QVERIFY(std::holds_alternative<ConversationId>(take(
        store.run([](StoreContext &context) { return writeHistory(context, kBob, 3, 100); }))));

    ConversationListModel model(profile.store);
    Tester tester(&model, Tester::FailureReportingMode::QtTest);
    QSignalSpy reloaded(&model, &ConversationListModel::reloaded);
    QSignalSpy unread(&model, &ConversationListModel::totalUnreadChanged);
    model.reload();
    QVERIFY(reloaded.wait());
    QCOMPARE(column(model, Roles::AddressRole), (QStringList{kBob, kAlice}));
    QCOMPARE(column(model, Qt::DisplayRole), (QStringList{u"bob"_qs, u"alice"_qs}));
    // Our own last message says so; the contact's needs no name.
    QCOMPARE(column(model, Roles::PreviewRole),
             (QStringList{u"You: message 102"_qs, u"message 5"_qs}));
    QCOMPARE(column(model, Roles::PreviewPrefixRole), (QStringList{u"You: "_qs, QString()}));
    QCOMPARE(column(model, Roles::UnreadCountRole), (QStringList{u"1"_qs, u"3"_qs}));
    QCOMPARE(model.totalUnread(), 4);
    QCOMPARE(unread.size(), 1);
    QCOMPARE(model.data(model.index(0), Roles::LastMessageOutgoingRole).toBool(), true);
    QCOMPARE(model.data(model.index(0), Roles::LastMessageStateRole).toInt(), int(State::Read));
    QCOMPARE(model.data(model.index(1), Roles::LastMessageOutgoingRole).toBool(), false);
    QCOMPARE(model.data(model.index(0), Roles::LastActivityRole).toDateTime().toMSecsSinceEpoch(),
             102'000);
    QCOMPARE(model.data(model.index(1), Qt::AccessibleTextRole).toString(),
             u"alice, 3 unread, last message: message 5"_qs);
    QCOMPARE(model.rowOf(kAlice), 1);

    // A new message for alice moves her row up (a move, not a reset) and changes her count.
    QSignalSpy moved(&model, &QAbstractItemModel::rowsMoved);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    appendMessage(store, kAlice, Direction::Incoming, State::Received, u"  new\n\nnews "_qs,
                  clientId(1), 200'000);
    model.reload();
    QVERIFY(reloaded.wait());
    QCOMPARE(moved.size(), 1);
    QCOMPARE(reset.size(), 0);
    QCOMPARE(column(model, Roles::AddressRole), (QStringList{kAlice, kBob}));
    QCOMPARE(model.data(model.index(0), Roles::PreviewRole).toString(), u"new news"_qs);
    QCOMPARE(model.data(model.index(0), Roles::UnreadCountRole).toInt(), 4);
    QCOMPARE(model.totalUnread(), 5);
    QCOMPARE(changed.size(), 1);

    // Read: the count drops, the order stays.
    moved.clear();
    changed.clear();
    const auto seen =
        take(store.run([](StoreContext &context) { return markSeen(context, kAlice); }));
    QVERIFY(!std::holds_alternative<StoreError>(seen));
    model.reload();
    QVERIFY(reloaded.wait());
    QCOMPARE(moved.size(), 0);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(model.data(model.index(0), Roles::UnreadCountRole).toInt(), 0);
    QCOMPARE(model.totalUnread(), 1);

    // A new conversation is inserted at its place; a renamed contact changes in place.
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    appendMessage(store, kCarol, Direction::Outgoing, State::Queued, u"hi carol"_qs, clientId(2),
                  150'000);
    rename(store, kBob, u"Robert Bobson"_qs);
    model.reload();
    QVERIFY(reloaded.wait());
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(column(model, Roles::AddressRole), (QStringList{kAlice, kCarol, kBob}));
    QCOMPARE(model.data(model.index(2)).toString(), u"Robert Bobson"_qs);
    QCOMPARE(model.data(model.index(2), Roles::InitialsRole).toString(), u"RB"_qs);
    QCOMPARE(model.data(model.index(1), Roles::LastMessageStateRole).toInt(), int(State::Queued));
    QVERIFY(model.errorText().isEmpty());
}

void TestListModels::previewsAndInitials()
{
    QCOMPARE(ConversationListModel::previewOf(u" one\n two\tthree  "_qs), u"one two three"_qs);
    const QString longText = QString(300, u'x');
    const QString preview = ConversationListModel::previewOf(longText);
    QCOMPARE(preview.size(), ConversationListModel::kPreviewLength);
    QVERIFY(preview.endsWith(QChar(0x2026)));
    // A surrogate pair at the cut is not split.
    const QString emoji = QString(98, u'a') + QString::fromUtf8("😀😀😀");
    QCOMPARE(ConversationListModel::previewOf(emoji), QString(98, u'a') + QChar(0x2026));
    QCOMPARE(ConversationListModel::initialsOf(u"alice"_qs), u"A"_qs);
    QCOMPARE(ConversationListModel::initialsOf(u"Ada  (Lovelace) King"_qs), u"AL"_qs);
    QCOMPARE(ConversationListModel::initialsOf(u"  "_qs), QString());

    TestProfile profile;
    QVERIFY(profile.ok);
    appendMessage(*profile.store, kAlice, Direction::Incoming, State::Undecryptable, {},
                  clientId(1), 1000);
    ConversationListModel model(profile.store);
    Tester tester(&model, Tester::FailureReportingMode::QtTest);
    QSignalSpy reloaded(&model, &ConversationListModel::reloaded);
    model.reload();
    QVERIFY(reloaded.wait());
    QCOMPARE(model.data(model.index(0), Roles::PreviewRole).toString(),
             u"This message could not be decrypted."_qs);
    QCOMPARE(model.totalUnread(), 0); // undecryptable is not "Received"

    // A last message deleted for everyone (M1 §5.5) is previewed as such, not as nothing.
    const MessageId last = appendMessage(*profile.store, kAlice, Direction::Incoming, State::Seen,
                                         u"soon gone"_qs, clientId(2), 2000);
    model.reload();
    QVERIFY(reloaded.wait());
    QCOMPARE(model.data(model.index(0), Roles::PreviewRole).toString(), u"soon gone"_qs);
    QVERIFY(succeeded(take(profile.store->run(
        [last](StoreContext &context) { return MessageTable(context).setDeleted(last); }))));
    model.reload();
    QVERIFY(reloaded.wait());
    QCOMPARE(model.data(model.index(0), Roles::PreviewRole).toString(),
             u"This message was deleted."_qs);
}

void TestListModels::attachmentPreviews()
{
    // The formats, with and without a caption (one line, bounded like a text's).
    AttachmentSummary file{u"report.pdf"_qs, u"application/pdf"_qs, 2048, {}, {}, false};
    QCOMPARE(ConversationListModel::previewOfAttachment(file), u"report.pdf"_qs);
    file.caption = u" Q3\nnumbers "_qs;
    QCOMPARE(ConversationListModel::previewOfAttachment(file), u"report.pdf \u2014 Q3 numbers"_qs);
    AttachmentSummary photo{u"IMG_1.jpg"_qs, u"image/jpeg"_qs, 2048, {}, {}, false};
    QCOMPARE(ConversationListModel::previewOfAttachment(photo), u"Photo"_qs);
    photo.caption = QString(300, u'x');
    const QString longPreview = ConversationListModel::previewOfAttachment(photo);
    QCOMPARE(longPreview.size(), ConversationListModel::kPreviewLength);
    QVERIFY(longPreview.startsWith(u"Photo: xxx"_qs));
    AttachmentSummary unknown{u"notes"_qs, QString(), 10, {}, {}, false}; // no type given
    QCOMPARE(ConversationListModel::previewOfAttachment(unknown), u"notes"_qs);

    // From the store: the newest message of each conversation is an attachment.
    TestProfile profile;
    QVERIFY(profile.ok);
    ProfileStore &store = *profile.store;
    appendMessage(store, kAlice, Direction::Incoming, State::Received, u"see below"_qs, clientId(1),
                  1'000);
    appendAttachment(store, kAlice, u"report.pdf"_qs, u"application/pdf"_qs, QString(), 2, 2'000);
    appendAttachment(store, kBob, u"IMG_1.png"_qs, u"image/png"_qs, u"at the beach"_qs, 3, 3'000);
    appendAttachment(store, kCarol, u"IMG_2.png"_qs, u"image/png"_qs, QString(), 4, 4'000);
    ConversationListModel model(profile.store);
    Tester tester(&model, Tester::FailureReportingMode::QtTest);
    QSignalSpy reloaded(&model, &ConversationListModel::reloaded);
    model.reload();
    QVERIFY(reloaded.wait());
    QCOMPARE(column(model, Roles::AddressRole), (QStringList{kCarol, kBob, kAlice}));
    QCOMPARE(column(model, Roles::PreviewRole),
             (QStringList{u"Photo"_qs, u"Photo: at the beach"_qs, u"report.pdf"_qs}));
    // The kind is a role of its own, for the view's icon.
    QCOMPARE(column(model, Roles::PreviewKindRole),
             (QStringList{u"1"_qs, u"1"_qs, u"2"_qs})); // PhotoPreview, PhotoPreview, FilePreview
    QCOMPARE(model.data(model.index(2), Qt::AccessibleTextRole).toString(),
             u"alice, 2 unread, last message: File: report.pdf"_qs);

    // A text after it is the preview again; an empty text without a file stays empty.
    appendMessage(store, kAlice, Direction::Outgoing, State::Sent, u"did you get it?"_qs,
                  clientId(5), 5'000);
    appendMessage(store, kBob, Direction::Outgoing, State::Sent, QString(), clientId(6), 6'000);
    model.reload();
    QVERIFY(reloaded.wait());
    QCOMPARE(column(model, Roles::AddressRole), (QStringList{kBob, kAlice, kCarol}));
    QCOMPARE(column(model, Roles::PreviewRole),
             (QStringList{QString(), u"You: did you get it?"_qs, u"Photo"_qs}));
    QCOMPARE(column(model, Roles::PreviewPrefixRole),
             (QStringList{QString(), u"You: "_qs, QString()}));
    QCOMPARE(column(model, Roles::PreviewKindRole), (QStringList{u"0"_qs, u"0"_qs, u"1"_qs}));
}

void TestListModels::reloadsAreCoalesced()
{
    TestProfile profile;
    QVERIFY(profile.ok);
    ConversationListModel model(profile.store);
    Tester tester(&model, Tester::FailureReportingMode::QtTest);
    QSignalSpy reloaded(&model, &ConversationListModel::reloaded);
    for (int i = 0; i < 10; ++i) {
        model.reload();
        appendMessage(*profile.store, kAlice, Direction::Incoming, State::Received,
                      QStringLiteral("n%1").arg(i), clientId(quint32(i)), 1000 + i);
    }
    QTRY_VERIFY(!model.isLoading());
    QCOMPARE(reloaded.size(), 2); // the first query, and one more for everything after it
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.data(model.index(0), Roles::UnreadCountRole).toInt(), 10);
    QCOMPARE(model.data(model.index(0), Roles::PreviewRole).toString(), u"n9"_qs);

    // A locked store gives a sentence, not rows or a crash.
    ConversationListModel locked(std::make_shared<ProfileStore>(profile.directory.path()));
    QSignalSpy lockedReloaded(&locked, &ConversationListModel::reloaded);
    locked.reload();
    QVERIFY(lockedReloaded.wait());
    QVERIFY(!locked.errorText().isEmpty());
    QCOMPARE(locked.rowCount(), 0);
}

void TestListModels::contactsSortedByName()
{
    TestProfile profile;
    QVERIFY(profile.ok);
    ProfileStore &store = *profile.store;
    for (const QString &address : {kBob, kAlice, QStringLiteral("zed@relay.example")}) {
        QVERIFY(std::holds_alternative<ConversationId>(take(store.run(
            [address](StoreContext &context) { return writeHistory(context, address, 0); }))));
    }
    rename(store, u"zed@relay.example"_qs, u"aaron"_qs);
    ContactListModel model(profile.store);
    Tester tester(&model, Tester::FailureReportingMode::QtTest);
    QSignalSpy reloaded(&model, &ContactListModel::reloaded);
    model.reload();
    QVERIFY(reloaded.wait());
    QCOMPARE(column(model, Qt::DisplayRole), (QStringList{u"aaron"_qs, u"alice"_qs, u"bob"_qs}));
    QCOMPARE(column(model, ContactListModel::AddressRole),
             (QStringList{u"zed@relay.example"_qs, kAlice, kBob}));
    QCOMPARE(model.data(model.index(1), ContactListModel::VerifiedRole).toBool(), false);
    QCOMPARE(model.data(model.index(1), ContactListModel::InitialsRole).toString(), u"A"_qs);

    // Renamed: moved, not reset; a key change is flagged in place.
    QSignalSpy moved(&model, &QAbstractItemModel::rowsMoved);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    rename(store, kAlice, u"Zoe Alice"_qs);
    model.reload();
    QVERIFY(reloaded.wait());
    QCOMPARE(column(model, Qt::DisplayRole),
             (QStringList{u"aaron"_qs, u"bob"_qs, u"Zoe Alice"_qs}));
    QCOMPARE(moved.size(), 1);
    QCOMPARE(reset.size(), 0);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.notifyKeyChanged(kBob);
    model.notifyKeyChanged(kBob);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(model.data(model.index(1), ContactListModel::KeyChangedRole).toBool(), true);
    QCOMPARE(model.data(model.index(0), ContactListModel::KeyChangedRole).toBool(), false);
    QVERIFY(model.hasKeyChanged(kBob));
}

QTEST_GUILESS_MAIN(TestListModels)
#include "tst_listmodels.moc"

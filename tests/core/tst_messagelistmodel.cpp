// MessageListModel on a real profile store: a window of rows paged in both directions under
// QAbstractItemModelTester, with histories written by the fixture builder and arrivals and
// state changes written through the real tables. (The same model driven by real
// SessionManagers over the relay is in tests/e2e/tst_e2e_models.cpp.)

#include "core/models/messagelistmodel.h"
#include "core/session/messagecontent.h"
#include "core/session/pipelinehelpers.h"
#include "core/store/contacttable.h"
#include "core/store/conversationtable.h"
#include "modeltesthelpers.h"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTest>

using namespace parley::core;
using namespace parley::core::test;
using Direction = MessageRecord::Direction;
using State = MessageRecord::State;
using Tester = QAbstractItemModelTester;

namespace {

const QString kBig = QStringLiteral("big@relay.example");
constexpr int kBigCount = 100'000;

QString textAt(const MessageListModel &model, int row)
{
    return model.data(model.index(row), MessageListModel::TextRole).toString();
}

// The rows are consecutive messages of a history by the fixture builder ("message n").
bool contiguous(const MessageListModel &model, int firstNumber)
{
    for (int row = 0; row < model.rowCount(); ++row) {
        if (textAt(model, row) != QStringLiteral("message %1").arg(firstNumber + row)) {
            qWarning("row %d is %s", row, qPrintable(textAt(model, row)));
            return false;
        }
    }
    return true;
}

QSet<qint64> idsOf(const MessageListModel &model)
{
    QSet<qint64> ids;
    for (int row = 0; row < model.rowCount(); ++row) {
        ids.insert(model.idAt(row));
    }
    return ids;
}

} // namespace

class TestMessageListModel : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void opensOnlyTheNewestPageOfAHugeConversation();
    void pagesOlderAndNewerWithinTheCap();
    void openAroundAMessageAndFollowToTheNewestEnd();
    void arrivalsAppendAndStatesChange();
    void arrivalsDuringPendingLoadsAreNeitherLostNorDoubled();
    void stateChangeDuringPendingLoadIsKept();
    void pagesCrossingTheCapLeaveNoGap();
    void arrivalsAwayFromTheNewestEndWait();
    void undecryptableRowsAreShown();
    void conversationThatDoesNotExistYet();
    void repliesReactionsEditsAndDeletionAreShown();

private:
    TestProfile m_profile;
};

void TestMessageListModel::initTestCase()
{
    QVERIFY(m_profile.ok);
    QElapsedTimer timer;
    timer.start();
    const auto written = take(m_profile.store->run(
        [](StoreContext &context) { return writeHistory(context, kBig, kBigCount); }));
    QVERIFY(std::holds_alternative<ConversationId>(written));
    qInfo("wrote %d messages in %lld ms", kBigCount, timer.elapsed());
}

void TestMessageListModel::opensOnlyTheNewestPageOfAHugeConversation()
{
    MessageListModel model(m_profile.store);
    Tester tester(&model, Tester::FailureReportingMode::QtTest);
    QSignalSpy applied(&model, &MessageListModel::pageApplied);
    QElapsedTimer timer;
    timer.start();
    model.open(kBig);
    QVERIFY(model.isLoading());
    QCOMPARE(model.rowCount(), 0); // nothing is read on the GUI thread
    QVERIFY(applied.wait(5'000));
    const qint64 elapsed = timer.elapsed();
    qInfo("first page of %d messages in %lld ms", kBigCount, elapsed);
    QCOMPARE(model.rowCount(), MessageListModel::kDefaultPageSize);
    QVERIFY2(elapsed < 1'000, qPrintable(QString::number(elapsed)));
    QVERIFY(contiguous(model, kBigCount - MessageListModel::kDefaultPageSize + 1));
    QVERIFY(model.canFetchOlder());
    QVERIFY(!model.canFetchNewer());
    QVERIFY(!model.canFetchMore({}));
    QVERIFY(model.errorText().isEmpty());

    const QModelIndex last = model.index(model.rowCount() - 1);
    QCOMPARE(model.data(last).toString(), QStringLiteral("message 100000"));
    QCOMPARE(model.data(last, MessageListModel::IsOutgoingRole).toBool(), true); // even n
    QCOMPARE(model.data(last, MessageListModel::StateNameRole).toString(), u"read"_qs);
    QCOMPARE(model.data(last, MessageListModel::ClientMessageIdRole).toString(),
             u"000000000000000000000000000186a0"_qs);
    QCOMPARE(model.data(last, MessageListModel::SentAtRole).toDateTime().toMSecsSinceEpoch(),
             qint64(kBigCount) * 1000);
    QCOMPARE(model.data(last, MessageListModel::UndecryptableRole).toBool(), false);
    QVERIFY(model.data(last, Qt::AccessibleTextRole).toString().startsWith(u"You, "_qs));
    const QModelIndex before = model.index(model.rowCount() - 2);
    QCOMPARE(model.data(before, MessageListModel::StateNameRole).toString(), u"received"_qs);
    QVERIFY(model.data(before, Qt::AccessibleTextRole).toString().startsWith(u"big, "_qs));
    QVERIFY(model.roleNames().contains(MessageListModel::IdRole));
}

void TestMessageListModel::pagesOlderAndNewerWithinTheCap()
{
    MessageListModel model(m_profile.store);
    model.setPageSize(50);
    model.setWindowCap(200);
    Tester tester(&model, Tester::FailureReportingMode::QtTest);
    QSignalSpy applied(&model, &MessageListModel::pageApplied);
    model.open(kBig);
    QVERIFY(applied.wait());
    const qint64 anchor = model.idAt(0);

    // Older pages prepend; identity is stable (the anchor moves down by one page each time).
    for (int page = 1; page <= 3; ++page) {
        QVERIFY(model.canFetchOlder());
        model.fetchOlder();
        QVERIFY(!model.canFetchOlder()); // one at a time
        model.fetchOlder();              // ignored while pending
        QVERIFY(applied.wait());
        QCOMPARE(model.rowCount(), 50 * (page + 1));
        QCOMPARE(model.rowOf(anchor), 50 * page);
    }
    QVERIFY(!model.canFetchNewer());
    // Past the cap: the newest rows are dropped and become fetchable again.
    model.fetchOlder();
    QVERIFY(applied.wait());
    QCOMPARE(model.rowCount(), 200);
    QVERIFY(model.canFetchNewer());
    QVERIFY(model.canFetchMore({}));
    QCOMPARE(model.rowOf(anchor), -1); // it was in the newest page, the one dropped
    QVERIFY(contiguous(model, kBigCount - 250 + 1));
    QCOMPARE(textAt(model, 199), QStringLiteral("message %1").arg(kBigCount - 50));

    // And back down to the newest end through fetchMore (what a view calls at the bottom).
    int pages = 0;
    while (model.canFetchNewer()) {
        model.fetchMore({});
        QVERIFY(applied.wait());
        ++pages;
        QVERIFY(model.rowCount() <= 200);
    }
    QCOMPARE(pages, 1);
    QCOMPARE(model.rowCount(), 200);
    QVERIFY(model.isAtNewest());
    QVERIFY(model.canFetchOlder()); // the oldest rows were dropped in turn
    QVERIFY(contiguous(model, kBigCount - 200 + 1));
}

void TestMessageListModel::openAroundAMessageAndFollowToTheNewestEnd()
{
    MessageListModel model(m_profile.store);
    model.setPageSize(40);
    Tester tester(&model, Tester::FailureReportingMode::QtTest);
    QSignalSpy applied(&model, &MessageListModel::pageApplied);
    model.open(kBig);
    QVERIFY(applied.wait());
    // Ids of the builder's history are consecutive, so message n has id first + n - 1.
    const qint64 newestId = model.idAt(model.rowCount() - 1);
    const qint64 target = newestId - 200;
    model.openAround(kBig, target);
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(applied.wait());
    QCOMPARE(model.rowCount(), 80);
    QCOMPARE(model.rowOf(target), 39);
    QVERIFY(model.canFetchOlder());
    // Not at the newest end. (The tester calls fetchMore() after every change, as a view
    // does at the bottom, so a newer page may already be on its way.)
    QVERIFY(!model.isAtNewest());
    QVERIFY(model.canFetchNewer() || model.isLoading());
    QVERIFY(contiguous(model, kBigCount - 200 - 39));
    while (!model.isAtNewest()) {
        model.fetchNewer(); // a no-op while a page is pending
        QVERIFY(applied.wait());
    }
    QCOMPARE(model.idAt(model.rowCount() - 1), newestId);
    QCOMPARE(model.rowOf(target), 39);
    QCOMPARE(model.rowCount(), 240); // messages 99 761 … 100 000
    QVERIFY(contiguous(model, kBigCount - 200 - 39));
}

void TestMessageListModel::arrivalsAppendAndStatesChange()
{
    const QString carol = QStringLiteral("carol@relay.example");
    QVERIFY(std::holds_alternative<ConversationId>(take(m_profile.store->run(
        [&](StoreContext &context) { return writeHistory(context, carol, 10); }))));
    MessageListModel model(m_profile.store);
    Tester tester(&model, Tester::FailureReportingMode::QtTest);
    QSignalSpy applied(&model, &MessageListModel::pageApplied);
    model.open(carol);
    QVERIFY(applied.wait());
    QCOMPARE(model.rowCount(), 10);
    QVERIFY(!model.canFetchOlder());

    const QByteArray outId = clientId(1);
    const MessageId out = appendMessage(*m_profile.store, carol, Direction::Outgoing, State::Queued,
                                        u"hello carol"_qs, outId);
    model.notifyStored(carol);
    model.notifyStored(u"someone@else"_qs); // another conversation: ignored
    QTRY_COMPARE(model.rowCount(), 11);
    QCOMPARE(model.idAt(10), out.value);
    QCOMPARE(model.data(model.index(10), MessageListModel::StateNameRole).toString(), u"queued"_qs);

    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    for (const State state : {State::Sent, State::Delivered, State::Read}) {
        setStoredState(*m_profile.store, out, state);
        model.notifyStateChanged(carol, outId, int(state));
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed.first().at(0).toModelIndex().row(), 10);
        QVERIFY(changed.first().at(2).value<QList<int>>().contains(MessageListModel::StateRole));
        changed.clear();
        QCOMPARE(model.data(model.index(10), MessageListModel::StateRole).toInt(), int(state));
    }
    // An incoming message with the same client id is another row (keyed by direction too).
    const MessageId in = appendMessage(*m_profile.store, carol, Direction::Incoming,
                                       State::Received, u"hi"_qs, outId);
    model.notifyStored(carol);
    QTRY_COMPARE(model.rowCount(), 12);
    QCOMPARE(model.idAt(11), in.value);
    model.notifySeen(carol, {outId});
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.first().at(0).toModelIndex().row(), 11);
    QCOMPARE(model.data(model.index(11), MessageListModel::StateNameRole).toString(), u"seen"_qs);
    QCOMPARE(model.data(model.index(10), MessageListModel::StateNameRole).toString(), u"read"_qs);
    // Failed, and an unknown id changes nothing.
    model.notifyStateChanged(carol, outId, int(State::Failed));
    QCOMPARE(model.data(model.index(10), MessageListModel::StateNameRole).toString(), u"failed"_qs);
    changed.clear();
    model.notifyStateChanged(carol, clientId(999), int(State::Sent));
    model.notifyStateChanged(carol, outId, 42);
    QCOMPARE(changed.size(), 0);
}

void TestMessageListModel::arrivalsDuringPendingLoadsAreNeitherLostNorDoubled()
{
    const QString dave = QStringLiteral("dave@relay.example");
    QVERIFY(std::holds_alternative<ConversationId>(take(m_profile.store->run(
        [&](StoreContext &context) { return writeHistory(context, dave, 300); }))));
    MessageListModel model(m_profile.store);
    model.setPageSize(50);
    model.setWindowCap(400);
    Tester tester(&model, Tester::FailureReportingMode::QtTest);

    // During the open: committed after the open's query (the database thread runs work in
    // order), reported while the first page is still on its way.
    model.open(dave);
    auto burst = [&](int from, int count) {
        m_profile.store->run(
            [=](StoreContext &context) { return writeHistory(context, dave, count, from, 7); });
        model.notifyStored(dave);
        model.notifyStored(dave); // reported twice: must not show twice
    };
    burst(301, 20);
    // During an older page and during the catch-up loads themselves.
    QTRY_VERIFY(!model.isLoading());
    model.fetchOlder();
    burst(321, 30);
    burst(351, 5);
    QTRY_VERIFY(!model.isLoading());
    burst(356, 1000); // more than one catch-up query, past the window cap
    QTRY_VERIFY(!model.isLoading());
    QCOMPARE(model.idAt(model.rowCount() - 1) - model.idAt(0), qint64(model.rowCount() - 1));
    QCOMPARE(idsOf(model).size(), model.rowCount());
    QCOMPARE(textAt(model, model.rowCount() - 1), u"message 1355"_qs);
    QVERIFY(contiguous(model, 1355 - model.rowCount() + 1));
    QVERIFY(model.isAtNewest());
    QCOMPARE(model.rowCount(), 400);
    QVERIFY(model.canFetchOlder()); // the cap dropped the oldest rows
}

void TestMessageListModel::stateChangeDuringPendingLoadIsKept()
{
    const QString erin = QStringLiteral("erin@relay.example");
    MessageListModel model(m_profile.store);
    Tester tester(&model, Tester::FailureReportingMode::QtTest);
    QSignalSpy applied(&model, &MessageListModel::pageApplied);
    appendMessage(*m_profile.store, erin, Direction::Incoming, State::Received, u"one"_qs,
                  clientId(1));
    model.open(erin);
    QVERIFY(applied.wait());
    QCOMPARE(model.rowCount(), 1);

    const QByteArray id = clientId(2);
    const MessageId out =
        appendMessage(*m_profile.store, erin, Direction::Outgoing, State::Queued, u"two"_qs, id);
    model.notifyStored(erin); // its query is queued before the state change below
    QVERIFY(model.isLoading());
    m_profile.store->run(
        [out](StoreContext &context) { return MessageTable(context).setState(out, State::Sent); });
    model.notifyStateChanged(erin, id, int(State::Sent));
    QVERIFY(applied.wait());
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.data(model.index(1), MessageListModel::StateNameRole).toString(), u"sent"_qs);
}

void TestMessageListModel::pagesCrossingTheCapLeaveNoGap()
{
    const QString ivan = QStringLiteral("ivan@relay.example");
    QVERIFY(std::holds_alternative<ConversationId>(take(m_profile.store->run(
        [&](StoreContext &context) { return writeHistory(context, ivan, 200); }))));
    MessageListModel model(m_profile.store);
    model.setPageSize(50);
    model.setWindowCap(100);
    Tester tester(&model, Tester::FailureReportingMode::QtTest);
    QSignalSpy applied(&model, &MessageListModel::pageApplied);
    model.open(ivan);
    QVERIFY(applied.wait());
    QCOMPARE(model.rowCount(), 50);

    // A burst is followed at the newest end (its load goes first) while an older page is on
    // its way: the burst pushes the window past its cap and drops the first row the older
    // page was asked for. That page must not be prepended (it would leave a gap).
    take(m_profile.store->run(
        [&](StoreContext &context) { return writeHistory(context, ivan, 200, 201); }));
    model.notifyStored(ivan);
    model.fetchOlder();
    QTRY_VERIFY(!model.isLoading());
    QCOMPARE(model.rowCount(), 100);
    QVERIFY(contiguous(model, 301));
    QVERIFY(model.isAtNewest());
    QVERIFY(model.canFetchOlder());

    // The other way: older pages pushed past the cap while a newer page is on its way.
    model.openAround(ivan, model.idAt(0) - 150); // message 151 and the page after it
    QVERIFY(applied.wait());
    QCOMPARE(textAt(model, 0), u"message 102"_qs);
    QCOMPARE(model.rowCount(), 100);
    QVERIFY(!model.isAtNewest());
    QTRY_VERIFY(!model.isLoading()); // (the tester's fetchMore may have paged newer)
    const int first = textAt(model, 0).section(u' ', 1).toInt();
    const int last = first + model.rowCount() - 1;
    QVERIFY(model.canFetchOlder());
    QVERIFY(model.canFetchNewer());
    model.fetchOlder(); // applied first: prepends 50 rows and drops the last 50
    model.fetchNewer(); // asked after the old last row, which is gone by then: not appended
    QTRY_VERIFY(!model.isLoading());
    QCOMPARE(textAt(model, 0), QStringLiteral("message %1").arg(first - 50));
    QCOMPARE(model.rowCount(), 100);
    QVERIFY(contiguous(model, first - 50));
    QCOMPARE(textAt(model, 99), QStringLiteral("message %1").arg(last - 50));
    QVERIFY(model.canFetchNewer());
}

void TestMessageListModel::arrivalsAwayFromTheNewestEndWait()
{
    // No tester here: it calls fetchMore() after every change (what a view does only when
    // scrolled to the bottom), which would page the window back to the newest end itself.
    MessageListModel model(m_profile.store);
    model.setPageSize(20);
    QSignalSpy applied(&model, &MessageListModel::pageApplied);
    const QString frank = QStringLiteral("frank@relay.example");
    QVERIFY(std::holds_alternative<ConversationId>(take(m_profile.store->run(
        [&](StoreContext &context) { return writeHistory(context, frank, 100); }))));
    model.open(frank);
    QVERIFY(applied.wait());
    const qint64 middle = model.idAt(0) - 30;
    model.openAround(frank, middle);
    QVERIFY(applied.wait());
    QCOMPARE(model.rowCount(), 40);
    QVERIFY(!model.isAtNewest());
    m_profile.store->run(
        [&](StoreContext &context) { return writeHistory(context, frank, 3, 101); });
    model.notifyStored(frank);
    QVERIFY(!model.isLoading()); // nothing appended while the user looks at older messages
    QCOMPARE(model.rowCount(), 40);
    QVERIFY(model.canFetchNewer());
    while (model.canFetchNewer()) {
        model.fetchNewer();
        QVERIFY(applied.wait());
    }
    QCOMPARE(textAt(model, model.rowCount() - 1), u"message 103"_qs);
    QCOMPARE(idsOf(model).size(), model.rowCount());
}

void TestMessageListModel::undecryptableRowsAreShown()
{
    const QString gina = QStringLiteral("gina@relay.example");
    appendMessage(*m_profile.store, gina, Direction::Incoming, State::Undecryptable, {},
                  clientId(1));
    // A body that fails to decrypt at rest: another row's sealed body, which cannot open
    // under this row's id (C7 §2). The row is shown, not dropped.
    const MessageId moved = appendMessage(*m_profile.store, gina, Direction::Incoming,
                                          State::Received, u"secret"_qs, clientId(2));
    const MessageId other = appendMessage(*m_profile.store, gina, Direction::Incoming,
                                          State::Received, u"other"_qs, clientId(3));
    QVERIFY(succeeded(take(m_profile.store->run([=](StoreContext &context) -> StoreStatus {
        QSqlQuery query(context.database());
        query.prepare(QStringLiteral("UPDATE messages SET body = (SELECT body FROM messages "
                                     "WHERE id = ?) WHERE id = ?"));
        query.addBindValue(other.value);
        query.addBindValue(moved.value);
        if (!query.exec()) {
            return StoreContext::queryError(query);
        }
        return Done{};
    }))));
    MessageListModel model(m_profile.store);
    Tester tester(&model, Tester::FailureReportingMode::QtTest);
    QSignalSpy applied(&model, &MessageListModel::pageApplied);
    model.open(gina);
    QVERIFY(applied.wait());
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(textAt(model, 2), u"other"_qs);
    QVERIFY(!model.data(model.index(2), MessageListModel::UndecryptableRole).toBool());
    for (int row = 0; row < 2; ++row) {
        QVERIFY(model.data(model.index(row), MessageListModel::UndecryptableRole).toBool());
        QCOMPARE(model.data(model.index(row), MessageListModel::TextRole).toString(), QString());
        QCOMPARE(model.data(model.index(row)).toString(),
                 u"This message could not be decrypted."_qs);
    }
}

void TestMessageListModel::conversationThatDoesNotExistYet()
{
    const QString hal = QStringLiteral("hal@relay.example");
    MessageListModel model(m_profile.store);
    Tester tester(&model, Tester::FailureReportingMode::QtTest);
    QSignalSpy applied(&model, &MessageListModel::pageApplied);
    QSignalSpy conversation(&model, &MessageListModel::conversationChanged);
    model.open(hal);
    QCOMPARE(conversation.size(), 1);
    QCOMPARE(model.conversation(), hal);
    QVERIFY(applied.wait());
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(!model.canFetchOlder());
    QVERIFY(!model.canFetchNewer());
    m_profile.store->run([&](StoreContext &context) { return writeHistory(context, hal, 3); });
    model.notifyStored(hal);
    QVERIFY(applied.wait());
    QCOMPARE(model.rowCount(), 3);
    QVERIFY(contiguous(model, 1));

    // A locked store: an error sentence, no rows, no crash.
    MessageListModel locked(std::make_shared<ProfileStore>(m_profile.directory.path()));
    QSignalSpy lockedApplied(&locked, &MessageListModel::pageApplied);
    locked.open(hal);
    QVERIFY(lockedApplied.wait());
    QCOMPARE(locked.rowCount(), 0);
    QVERIFY(!locked.errorText().isEmpty());
}

void TestMessageListModel::repliesReactionsEditsAndDeletionAreShown()
{
    // M1 §5 in the model: a reply's quote, aggregated reactions, "edited", a tombstone, and
    // rows that change in place (messageChanged) with the quotes that point at them.
    const QString ivy = QStringLiteral("ivy@relay.example");
    const QByteArray hello = clientId(1, 0x71000000);
    appendMessage(*m_profile.store, ivy, Direction::Incoming, State::Received, u"hello"_qs, hello);
    const auto apply = [&](const MessageContent &op, bool fromIvy) {
        return take(m_profile.store->run([=](StoreContext &context) -> StoreResult<int> {
            auto contact = ContactTable(context).findByAddress(ivy);
            if (const auto *error = std::get_if<StoreError>(&contact)) {
                return *error;
            }
            const ContactId id = std::get<ContactRecord>(contact).id;
            auto conversation = ConversationTable(context).forContact(id, 1);
            auto applied = pipeline::applyMessageOp(context, std::get<ConversationId>(conversation),
                                                    fromIvy ? id.value : 0, op, true, 1);
            if (const auto *error = std::get_if<StoreError>(&applied)) {
                return *error;
            }
            return int(std::get<pipeline::OpOutcome>(applied).result);
        }));
    };
    const MessageId reply = valueOf(take(m_profile.store->run([=](StoreContext &context) {
        auto found = ConversationTable(context).findByAddress(ivy);
        MessageRecord record;
        record.conversation = *std::get<std::optional<ConversationId>>(found);
        record.direction = Direction::Outgoing;
        record.clientMessageId = clientId(2, 0x71000000);
        record.state = State::Sent;
        record.body = u"hi ivy"_qs;
        record.replyTo = hello;
        return MessageTable(context).append(record);
    })));
    const int applied = int(pipeline::OpOutcome::Result::Applied);
    QCOMPARE(valueOf(apply(MessageContent::makeReaction(hello, u"👍"_qs, 5), true)), applied);
    QCOMPARE(valueOf(apply(MessageContent::makeReaction(hello, u"👍"_qs, 5), false)), applied);
    QCOMPARE(valueOf(apply(MessageContent::makeReaction(clientId(2, 0x71000000), u"❤️"_qs, 5),
                           true)),
             applied);

    MessageListModel model(m_profile.store);
    Tester tester(&model, Tester::FailureReportingMode::QtTest);
    QSignalSpy pages(&model, &MessageListModel::pageApplied);
    model.open(ivy);
    QVERIFY(pages.wait());
    QCOMPARE(model.rowCount(), 2);
    const QModelIndex first = model.index(0);
    const QModelIndex second = model.index(1);
    QCOMPARE(model.data(second, MessageListModel::IdRole).toLongLong(), reply.value);
    QCOMPARE(model.data(second, MessageListModel::ReplyToRole).toString(),
             QString::fromLatin1(hello.toHex()));
    QCOMPARE(model.data(second, MessageListModel::QuotedIdRole).toLongLong(), model.idAt(0));
    QCOMPARE(model.data(second, MessageListModel::QuotedAuthorRole).toString(), u"ivy"_qs);
    QCOMPARE(model.data(second, MessageListModel::QuotedTextRole).toString(), u"hello"_qs);
    QCOMPARE(model.data(first, MessageListModel::ReplyToRole).toString(), QString());
    QCOMPARE(model.data(first, MessageListModel::QuotedTextRole).toString(), QString());
    const QVariantList reactions = model.data(first, MessageListModel::ReactionsRole).toList();
    QCOMPARE(reactions.size(), 1);
    QCOMPARE(reactions[0].toMap().value(u"emoji"_qs).toString(), u"👍"_qs);
    QCOMPARE(reactions[0].toMap().value(u"count"_qs).toInt(), 2);
    QVERIFY(reactions[0].toMap().value(u"mine"_qs).toBool());
    QCOMPARE(model.data(second, MessageListModel::ReactionsTextRole).toString(), u"❤️ 1"_qs);
    QVERIFY(!model.data(first, MessageListModel::EditedRole).toBool());

    // Ivy edits: the row changes in place, and the reply's quote follows.
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QCOMPARE(valueOf(apply(MessageContent::makeEdit(hello, u"hello there"_qs, 9), true)), applied);
    model.notifyChanged(ivy, hello, int(Direction::Incoming));
    QTRY_COMPARE(model.data(first, MessageListModel::TextRole).toString(), u"hello there"_qs);
    QVERIFY(model.data(first, MessageListModel::EditedRole).toBool());
    QCOMPARE(model.data(second, MessageListModel::QuotedTextRole).toString(), u"hello there"_qs);
    QCOMPARE(model.rowCount(), 2);
    QSignalSpy history(&model, &MessageListModel::editHistoryReady);
    model.requestEditHistory(model.idAt(0));
    QVERIFY(history.wait());
    QCOMPARE(history.first().at(1).toStringList(), (QStringList{u"hello"_qs, u"hello there"_qs}));
    model.requestEditHistory(reply.value); // never edited
    QVERIFY(history.wait());
    QCOMPARE(history.at(1).at(1).toStringList(), QStringList());
    // Ivy deletes it for everyone: a tombstone, no reactions, the quote says so.
    QCOMPARE(valueOf(apply(MessageContent::makeDelete(hello, 10), true)), applied);
    model.notifyChanged(ivy, hello, int(Direction::Incoming));
    QTRY_VERIFY(model.data(first, MessageListModel::DeletedRole).toBool());
    QCOMPARE(model.data(first).toString(), u"This message was deleted."_qs);
    QCOMPARE(model.data(first, MessageListModel::TextRole).toString(), QString());
    QCOMPARE(model.data(first, MessageListModel::ReactionsRole).toList().size(), 0);
    QCOMPARE(model.data(second, MessageListModel::QuotedTextRole).toString(),
             u"This message was deleted."_qs);
    QCOMPARE(model.idAt(0), model.data(second, MessageListModel::QuotedIdRole).toLongLong());
    QVERIFY(changed.size() >= 4);
}

QTEST_GUILESS_MAIN(TestMessageListModel)
#include "tst_messagelistmodel.moc"

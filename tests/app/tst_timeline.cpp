// The chat views on a real profile store (no relay): the timeline's own history trigger at
// the top by every way of scrolling up over a 100 000-message conversation with the scroll
// anchor kept, the message delegate's sizes at several widths, inert rendering of hostile
// Markdown/HTML, the composer's keys and its blocked state, and accessible names.

#include "app/addcontactdialog.h"
#include "app/chatview.h"
#include "app/composer.h"
#include "app/conversationdelegate.h"
#include "app/conversationsview.h"
#include "app/emojipicker.h"
#include "app/inerttextdocument.h"
#include "app/messagedelegate.h"
#include "app/messagesearchpopup.h"
#include "app/messagingview.h"
#include "app/quickswitcher.h"
#include "app/settingsdialog.h"
#include "app/timelineview.h"
#include "core/clientcore.h"
#include "core/models/conversationlistmodel.h"
#include "core/models/messagelistmodel.h"
#include "core/session/messagecontent.h"
#include "core/session/pipelinehelpers.h"
#include "core/session/sessionmanager.h"
#include "core/store/contacttable.h"
#include "core/store/conversationtable.h"
#include "core/store/searchindex.h"
#include "core/viewmodels/chatviewmodel.h"
#include "core/viewmodels/conversationlistviewmodel.h"
#include "core/viewmodels/settingsviewmodel.h"
#include "modeltesthelpers.h"

#include <QAccessible>
#include <QApplication>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFrame>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMenu>
#include <QPainter>
#include <QPointer>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTcpServer>
#include <QTest>
#include <QTimer>
#include <QToolButton>
#include <QWheelEvent>

#include <functional>

using namespace parley;
using namespace parley::core;
using namespace parley::core::test;
using Messages = MessageListModel;
using Direction = MessageRecord::Direction;
using State = MessageRecord::State;

namespace {

const QString kBob = QStringLiteral("bob@relay.example");
const QString kCarol = QStringLiteral("carol@relay.example");
const QString kDave = QStringLiteral("dave@relay.example");

QStyleOptionViewItem optionFor(const app::TimelineView &view, const QModelIndex &index)
{
    QStyleOptionViewItem option;
    option.initFrom(&view);
    option.font = view.font();
    option.widget = &view;
    option.rect = view.visualRect(index);
    return option;
}

} // namespace

class TestTimeline : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void historyLoadsByEveryTrigger();
    void sizeHintsContainTheirText();
    void hostileTextRendersInert();
    void editedAndDeletedRowsAreLaidOutAgain();
    void cachedSizesFollowTheRowAbove();
    void bubblesKeepTheirShape();
    void composerKeys();
    void composerBlockedWhileCannotSend();
    void controlsHaveAccessibleNames();
    void quickSwitcher();
    void messageSearch();
    void listTimes();

private:
    TestProfile m_profile;
};

void TestTimeline::initTestCase()
{
    QVERIFY(m_profile.ok);
    QElapsedTimer timer;
    timer.start();
    QVERIFY(std::holds_alternative<ConversationId>(take(m_profile.store->run(
        [](StoreContext &context) { return writeHistory(context, kBob, 100'000); }))));
    // Indexed for search now, as a settled profile is (the database thread would otherwise
    // still be catching up in the background when messageSearch() runs).
    const StoreResult<bool> more = take(m_profile.store->run(
        [](StoreContext &context) { return SearchIndex(context).indexBacklog(200'000); }));
    QVERIFY(std::holds_alternative<bool>(more) && !std::get<bool>(more));
    qInfo("100 000 messages written and indexed in %lld ms", qint64(timer.elapsed()));
}

void TestTimeline::historyLoadsByEveryTrigger()
{
    ChatViewModel chat(m_profile.store, nullptr, kBob);
    app::ChatView view(&chat);
    view.resize(600, 480);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    app::TimelineView *timeline = view.timeline();
    Messages *model = chat.messageList();
    QTRY_COMPARE(model->rowCount(), Messages::kDefaultPageSize);
    QTRY_VERIFY(!model->isLoading());
    QScrollBar *bar = timeline->verticalScrollBar();
    // Opened at the newest message, and nothing older loaded before the user scrolls.
    QTRY_VERIFY(timeline->isAtBottom());
    QCOMPARE(model->index(model->rowCount() - 1).data(Messages::TextRole).toString(),
             QStringLiteral("message 100000"));
    QCOMPARE(timeline->olderRequests(), 0);
    QVERIFY(bar->maximum() > bar->pageStep());

    // Each trigger must load the page before row 0 and keep the message at the top of the
    // screen where it was.
    const auto loadsOlder = [&](const char *what, const std::function<void()> &trigger) {
        QTRY_VERIFY(!model->isLoading());
        const int rows = model->rowCount();
        const qint64 firstId = model->idAt(0);
        const int requests = timeline->olderRequests();
        // Start more than a screen below the top, so that nothing loads by itself.
        bar->setValue(bar->minimum() + bar->pageStep() + 40);
        QCOMPARE(timeline->olderRequests(), requests);
        trigger();
        QVERIFY2(timeline->olderRequests() == requests + 1, what);
        const QModelIndex top = timeline->indexAt(QPoint(4, 1));
        QVERIFY(top.isValid());
        const qint64 anchorId = top.data(Messages::IdRole).toLongLong();
        const int anchorY = timeline->visualRect(top).top();
        QTRY_VERIFY2(model->idAt(0) < firstId, what);
        QCOMPARE(model->rowCount(),
                 std::min(rows + Messages::kDefaultPageSize, Messages::kDefaultWindowCap));
        const int row = model->rowOf(anchorId);
        QVERIFY(row >= Messages::kDefaultPageSize);
        const int y = timeline->visualRect(model->index(row)).top();
        QVERIFY2(std::abs(y - anchorY) <= 2,
                 qPrintable(QStringLiteral("%1: the anchor moved from %2 to %3")
                                .arg(QLatin1String(what))
                                .arg(anchorY)
                                .arg(y)));
    };
    loadsOlder("scroll bar at its minimum", [&] { bar->setValue(bar->minimum()); });
    loadsOlder("wheel", [&] {
        const QPoint at = timeline->viewport()->rect().center();
        QWheelEvent wheel(at, timeline->viewport()->mapToGlobal(at), QPoint(), QPoint(0, 120 * 10),
                          Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(timeline->viewport(), &wheel);
    });
    loadsOlder("PageUp", [&] {
        timeline->setFocus();
        QTest::keyClick(timeline, Qt::Key_PageUp);
    });
    loadsOlder("Home", [&] { QTest::keyClick(timeline, Qt::Key_Home); });
    loadsOlder("Ctrl+Home", [&] { QTest::keyClick(timeline, Qt::Key_Home, Qt::ControlModifier); });
    QCOMPARE(model->rowCount(), 6 * Messages::kDefaultPageSize);
    QCOMPARE(model->index(0).data(Messages::TextRole).toString(),
             QStringLiteral("message %1").arg(100'000 - 6 * Messages::kDefaultPageSize + 1));

    // On past the window cap: the window stays bounded and the anchor still holds.
    QElapsedTimer timer;
    timer.start();
    while (model->index(0).data(Messages::TextRole).toString() !=
           QStringLiteral("message %1").arg(100'000 - 32 * Messages::kDefaultPageSize + 1)) {
        loadsOlder("scroll bar, far back", [&] { bar->setValue(bar->minimum()); });
        if (QTest::currentTestFailed()) {
            return;
        }
        QVERIFY(model->rowCount() <= Messages::kDefaultWindowCap);
    }
    qInfo("26 more pages, past the cap, in %lld ms", qint64(timer.elapsed()));
    QCOMPARE(model->rowCount(), Messages::kDefaultWindowCap);
    QVERIFY(model->canFetchNewer());

    // Scrolling down to the window's newest row fetches the newer page (Qt's own fetchMore at
    // the bottom); the cap drops rows at the top, and the row on screen stays in place.
    QTRY_VERIFY(!model->isLoading());
    const qint64 lastId = model->idAt(model->rowCount() - 1);
    bar->setValue(bar->maximum());
    const QModelIndex bottom = timeline->indexAt(QPoint(4, timeline->viewport()->height() - 2));
    QVERIFY(bottom.isValid());
    const qint64 bottomId = bottom.data(Messages::IdRole).toLongLong();
    const int bottomY = timeline->visualRect(bottom).top();
    QTRY_VERIFY(model->idAt(model->rowCount() - 1) > lastId);
    QTRY_VERIFY(!model->isLoading());
    QCOMPARE(model->rowCount(), Messages::kDefaultWindowCap);
    QVERIFY(std::abs(timeline->visualRect(model->index(model->rowOf(bottomId))).top() - bottomY) <=
            2);

    // Away from the bottom, the jump button shows and brings the newest message back.
    auto *jump = timeline->findChild<QWidget *>(QStringLiteral("jumpToLatest"));
    QVERIFY(jump && jump->isVisible());
    QVERIFY(!timeline->isAtBottom());
    timeline->jumpToLatest();
    QTRY_VERIFY(timeline->isAtBottom());
    QTRY_VERIFY(!jump->isVisible());
}

void TestTimeline::sizeHintsContainTheirText()
{
    const QStringList texts = {
        QStringLiteral("short"),
        QStringLiteral("A longer message that has to wrap over several lines when the window is "
                       "narrow, with **bold**, *italic* and `code` in it, and a link "
                       "[to the docs](https://docs.example/page)."),
        QStringLiteral("- one\n- two\n- three\n\nA paragraph after a list."),
        QString(400, QLatin1Char('x')), // one unbreakable word
        QStringLiteral("line one\nline two\n\nline four"),
    };
    quint32 n = 0;
    for (const QString &text : texts) {
        ++n;
        appendMessage(*m_profile.store, kCarol, n % 2 ? Direction::Incoming : Direction::Outgoing,
                      n % 2 ? State::Received : State::Delivered, text, clientId(n),
                      1'700'000'000'000 + n * 1000);
    }
    ChatViewModel chat(m_profile.store, nullptr, kCarol);
    app::ChatView view(&chat);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    app::TimelineView *timeline = view.timeline();
    QTRY_COMPARE(chat.messageList()->rowCount(), int(texts.size()));
    QList<int> longTextWidths;
    for (const int width : {320, 640, 1100}) {
        view.resize(width, 700);
        QTRY_COMPARE(view.width(), width);
        timeline->doItemsLayout();
        for (int row = 0; row < chat.messageList()->rowCount(); ++row) {
            const QModelIndex index = chat.messageList()->index(row);
            const QStyleOptionViewItem option = optionFor(*timeline, index);
            const auto parts = timeline->messageDelegate()->geometry(option, index);
            const QSize hint = timeline->messageDelegate()->sizeHint(option, index);
            const QString where = QStringLiteral("width %1, row %2").arg(width).arg(row);
            QVERIFY2(option.rect.contains(parts.text), qPrintable(where));
            QVERIFY2(option.rect.contains(parts.bubble), qPrintable(where));
            QVERIFY2(parts.bubble.contains(parts.text), qPrintable(where));
            QVERIFY2(hint.height() >= parts.bubble.bottom() - option.rect.top() + 1,
                     qPrintable(where));
            QVERIFY2(parts.text.right() < timeline->viewport()->width(), qPrintable(where));
            // The laid-out text fits its rectangle at that width.
            app::InertTextDocument document;
            document.setDefaultFont(timeline->font());
            document.setMessageText(index.data(Messages::TextRole).toString());
            document.setTextWidth(parts.text.width());
            QVERIFY2(document.size().height() <= parts.text.height() + 0.5, qPrintable(where));
            if (row == 1) {
                longTextWidths << parts.text.width();
            }
        }
    }
    // The long message really wraps to the width (a fixed size would pass the checks above).
    QVERIFY(longTextWidths.at(0) < longTextWidths.at(1));
    QVERIFY(longTextWidths.at(1) < longTextWidths.at(2));
    QCOMPARE(timeline->messageDelegate()
                 ->geometry(optionFor(*timeline, chat.messageList()->index(0)),
                            chat.messageList()->index(0))
                 .separator.isEmpty(),
             false); // the first row of the day has its date separator
}

void TestTimeline::hostileTextRendersInert()
{
    // A server that would see any fetch of the "remote" image or the link.
    QTcpServer trap;
    QVERIFY(trap.listen(QHostAddress::LocalHost));
    const QString remote = QStringLiteral("http://127.0.0.1:%1").arg(trap.serverPort());
    const QString hostile = QStringLiteral("<b>bold?</b> <img src=\"%1/a.png\"> ![pic](%1/b.png) "
                                           "[https://bank.example](%1/login) <script>x</script>")
                                .arg(remote);
    appendMessage(*m_profile.store, kDave, Direction::Incoming, State::Received, hostile,
                  clientId(1, 0x71000000), 1'700'000'000'000);
    appendMessage(*m_profile.store, kDave, Direction::Incoming, State::Undecryptable, {},
                  clientId(2, 0x71000000), 1'700'000'001'000);
    const int requestsBefore = app::InertTextDocument::totalResourceRequests();
    ChatViewModel chat(m_profile.store, nullptr, kDave);
    app::ChatView view(&chat);
    view.resize(700, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QTRY_COMPARE(chat.messageList()->rowCount(), 2);
    const QModelIndex index = chat.messageList()->index(0);
    // An undecryptable message is shown as such.
    const QModelIndex undecryptable = chat.messageList()->index(1);
    QVERIFY(undecryptable.data(Messages::UndecryptableRole).toBool());
    QCOMPARE(view.timeline()->messageDelegate()->renderedText(undecryptable),
             undecryptable.data(Qt::DisplayRole).toString());
    QVERIFY(undecryptable.data(Qt::DisplayRole).toString().contains(QStringLiteral("decrypt")));
    const QString shown = view.timeline()->messageDelegate()->renderedText(index);
    // HTML stays literal text; the image is named, not loaded; the link shows its target.
    QVERIFY2(shown.contains(QStringLiteral("<b>bold?</b>")), qPrintable(shown));
    QVERIFY2(shown.contains(QStringLiteral("<img src=\"%1/a.png\">").arg(remote)),
             qPrintable(shown));
    QVERIFY2(shown.contains(QStringLiteral("[image: %1/b.png]").arg(remote)), qPrintable(shown));
    QVERIFY2(shown.contains(QStringLiteral("https://bank.example (%1/login)").arg(remote)),
             qPrintable(shown));
    QVERIFY2(shown.contains(QStringLiteral("<script>x</script>")), qPrintable(shown));
    // Painted for real, and nothing was asked for.
    const QImage painted = view.grab().toImage();
    QVERIFY(!painted.isNull());
    QTest::qWait(0);
    QCoreApplication::processEvents();
    QCOMPARE(app::InertTextDocument::totalResourceRequests(), requestsBefore);
    QVERIFY(!trap.hasPendingConnections());
    QVERIFY(!trap.waitForNewConnection(200));

    // The link under the mouse is its real target, and copying the message copies its text.
    app::TimelineView *timeline = view.timeline();
    const auto parts = timeline->messageDelegate()->geometry(optionFor(*timeline, index), index);
    QPoint linkPosition;
    for (int x = parts.text.left(); x < parts.text.right() && linkPosition.isNull(); x += 3) {
        for (int y = parts.text.top(); y < parts.text.bottom() && linkPosition.isNull(); y += 3) {
            const QString link = timeline->linkAt(QPoint(x, y));
            if (!link.isEmpty()) {
                QCOMPARE(link, remote + QStringLiteral("/login"));
                linkPosition = QPoint(x, y);
            }
        }
    }
    QVERIFY(!linkPosition.isNull());
    // Hovering it announces the target (the main window shows it in the status bar).
    QSignalSpy hovered(timeline, &app::TimelineView::linkHovered);
    QTest::mouseMove(timeline->viewport(), linkPosition);
    QTRY_VERIFY(!hovered.isEmpty());
    QCOMPARE(hovered.constLast().constFirst().toString(), remote + QStringLiteral("/login"));
    // The context menu on the link: "Copy text", and "Copy link" naming the real target.
    QStringList menuItems;
    QTimer::singleShot(0, this, [&menuItems] {
        auto *menu = qobject_cast<QMenu *>(QApplication::activePopupWidget());
        QVERIFY(menu);
        for (QAction *action : menu->actions()) {
            menuItems << action->text();
        }
        for (QAction *action : menu->actions()) {
            if (action->text().startsWith(QStringLiteral("Copy link"))) {
                action->trigger();
            }
        }
        menu->close();
    });
    QContextMenuEvent menuEvent(QContextMenuEvent::Mouse, linkPosition,
                                timeline->viewport()->mapToGlobal(linkPosition));
    QApplication::sendEvent(timeline->viewport(), &menuEvent);
    QVERIFY2(menuItems.contains(QStringLiteral("Copy text")), qPrintable(menuItems.join(u'|')));
    QVERIFY2(menuItems.contains(QStringLiteral("Copy link %1/login").arg(remote)),
             qPrintable(menuItems.join(u'|')));
    QCOMPARE(QApplication::clipboard()->text(), remote + QStringLiteral("/login"));

    timeline->selectionModel()->select(index, QItemSelectionModel::ClearAndSelect);
    timeline->setFocus();
    QTest::keyClick(timeline, Qt::Key_C, Qt::ControlModifier);
    QCOMPARE(QApplication::clipboard()->text(), hostile);
}

// An edit or a deletion changes a row's text in place (M1 §5): the timeline lays it out
// again (not the size cached for the old text), marks it edited, and shows a tombstone.
void TestTimeline::editedAndDeletedRowsAreLaidOutAgain()
{
    // A conversation of its own: the profile is shared by the other tests.
    const QString kErin = QStringLiteral("erin@relay.example");
    const QByteArray id = clientId(1, 0x72000000);
    appendMessage(*m_profile.store, kErin, Direction::Incoming, State::Received,
                  QStringLiteral("short"), id, 1'700'000'000'000);
    const auto apply = [&](const MessageContent &op) {
        const auto applied =
            take(m_profile.store->run([op, kErin](StoreContext &context) -> StoreResult<int> {
                auto contact = ContactTable(context).findByAddress(kErin);
                if (const auto *error = std::get_if<StoreError>(&contact)) {
                    return *error;
                }
                const ContactId carol = std::get<ContactRecord>(contact).id;
                auto conversation = ConversationTable(context).forContact(carol, 1);
                if (const auto *error = std::get_if<StoreError>(&conversation)) {
                    return *error;
                }
                auto outcome = pipeline::applyMessageOp(
                    context, std::get<ConversationId>(conversation), carol.value, op, true, 1);
                if (const auto *error = std::get_if<StoreError>(&outcome)) {
                    return *error;
                }
                return int(std::get<pipeline::OpOutcome>(outcome).result);
            }));
        return valueOf(applied) == int(pipeline::OpOutcome::Result::Applied);
    };

    ChatViewModel chat(m_profile.store, nullptr, kErin);
    app::ChatView view(&chat);
    view.resize(700, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    Messages *model = chat.messageList();
    QTRY_COMPARE(model->rowCount(), 1);
    app::TimelineView *timeline = view.timeline();
    app::MessageDelegate *delegate = timeline->messageDelegate();
    const auto height = [&] {
        const QModelIndex index = model->index(0);
        return delegate->sizeHint(optionFor(*timeline, index), index).height();
    };
    const int shortHeight = height();

    QStringList lines;
    for (int i = 1; i <= 30; ++i) {
        lines << QStringLiteral("line %1 of the edited text").arg(i);
    }
    QVERIFY(apply(MessageContent::makeEdit(id, lines.join(u'\n'), 1'700'000'005'000)));
    model->notifyChanged(kErin, id, int(Direction::Incoming));
    QTRY_VERIFY(model->index(0).data(Messages::EditedRole).toBool());
    QVERIFY(delegate->renderedText(model->index(0)).contains(QStringLiteral("line 30")));
    const int editedHeight = height();
    QVERIFY2(editedHeight > shortHeight + 80,
             qPrintable(QStringLiteral("%1 -> %2").arg(shortHeight).arg(editedHeight)));

    QVERIFY(apply(MessageContent::makeDelete(id, 1'700'000'006'000)));
    model->notifyChanged(kErin, id, int(Direction::Incoming));
    QTRY_VERIFY(model->index(0).data(Messages::DeletedRole).toBool());
    QCOMPARE(delegate->renderedText(model->index(0)), QStringLiteral("This message was deleted."));
    QVERIFY(height() < editedHeight);
}

// The delegate keeps each row's size hint; a row's size also depends on the row above it (a
// date separator, grouping) and on the unread line: after rows are prepended above it, the
// marker moves or the width changes, every row's size and place must be what a delegate
// that never saw the rows before works out.
void TestTimeline::cachedSizesFollowTheRowAbove()
{
    const QString kFay = QStringLiteral("fay@relay.example");
    const int count = Messages::kDefaultPageSize + 30;
    // One day, in runs of three by the same side a minute apart: the first row of the newest
    // page starts the day (separator) until the older page comes, and then is grouped.
    const qint64 start = QDateTime(QDate(2026, 3, 10), QTime(9, 0)).toMSecsSinceEpoch();
    for (int n = 0; n < count; ++n) {
        const bool outgoing = (n / 3) % 2 == 1;
        appendMessage(*m_profile.store, kFay, outgoing ? Direction::Outgoing : Direction::Incoming,
                      outgoing ? State::Delivered : State::Received,
                      n % 5 == 0 ? QStringLiteral("message %1 with a longer text that wraps "
                                                  "over a few lines in a narrow window")
                                       .arg(n)
                                 : QStringLiteral("message %1").arg(n),
                      clientId(quint32(n), 0x73000000), start + qint64(n) * 60'000);
    }
    ChatViewModel chat(m_profile.store, nullptr, kFay);
    app::ChatView view(&chat);
    view.resize(520, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    app::TimelineView *timeline = view.timeline();
    Messages *model = chat.messageList();
    QTRY_COMPARE(model->rowCount(), Messages::kDefaultPageSize);
    QTRY_VERIFY(!model->isLoading());

    const auto sizesAreFresh = [&](const char *when) {
        timeline->doItemsLayout();
        app::MessageDelegate fresh;
        fresh.setUnreadMarkerId(timeline->messageDelegate()->unreadMarkerId());
        for (int row = 0; row < model->rowCount(); ++row) {
            const QModelIndex index = model->index(row);
            const QStyleOptionViewItem option = optionFor(*timeline, index);
            const int expected = fresh.sizeHint(option, index).height();
            const QString where = QStringLiteral("%1, row %2").arg(QLatin1String(when)).arg(row);
            QVERIFY2(timeline->messageDelegate()->sizeHint(option, index).height() == expected,
                     qPrintable(where));
            QVERIFY2(timeline->visualRect(index).height() == expected, qPrintable(where));
            if (row > 0) {
                QVERIFY2(timeline->visualRect(index).top() ==
                             timeline->visualRect(model->index(row - 1)).bottom() + 1,
                         qPrintable(where));
            }
        }
    };
    sizesAreFresh("opened");
    if (QTest::currentTestFailed()) {
        return;
    }
    const qint64 firstId = model->idAt(0);
    const QStyleOptionViewItem firstOption = optionFor(*timeline, model->index(0));
    const int firstHeight =
        timeline->messageDelegate()->sizeHint(firstOption, model->index(0)).height();

    timeline->verticalScrollBar()->setValue(timeline->verticalScrollBar()->minimum());
    QTRY_COMPARE(model->rowCount(), count);
    QTRY_VERIFY(!model->isLoading());
    sizesAreFresh("older rows prepended");
    if (QTest::currentTestFailed()) {
        return;
    }
    // The row that started the day lost its separator: the test above really saw a change.
    const QModelIndex formerFirst = model->index(model->rowOf(firstId));
    QVERIFY(timeline->messageDelegate()
                ->sizeHint(optionFor(*timeline, formerFirst), formerFirst)
                .height() < firstHeight);

    timeline->setUnreadMarkerId(model->idAt(40));
    sizesAreFresh("unread line above row 40");
    if (QTest::currentTestFailed()) {
        return;
    }
    timeline->setUnreadMarkerId(model->idAt(41));
    sizesAreFresh("unread line moved to row 41");
    if (QTest::currentTestFailed()) {
        return;
    }
    timeline->setUnreadMarkerId(0);
    sizesAreFresh("unread line gone");
    if (QTest::currentTestFailed()) {
        return;
    }

    view.resize(360, 600);
    QTRY_COMPARE(view.width(), 360);
    sizesAreFresh("narrower");
    if (QTest::currentTestFailed()) {
        return;
    }
}

// Bubbles are drawn from a cached nine-piece pixmap: their corners and edges must look as the
// rounded rectangle they stand for, drawn directly.
void TestTimeline::bubblesKeepTheirShape()
{
    const QString kGus = QStringLiteral("gus@relay.example");
    appendMessage(*m_profile.store, kGus, Direction::Incoming, State::Received,
                  QStringLiteral("an incoming message, long enough for a wide bubble"),
                  clientId(1, 0x74000000), 1'700'000'000'000);
    appendMessage(*m_profile.store, kGus, Direction::Outgoing, State::Read, QStringLiteral("ok"),
                  clientId(2, 0x74000000), 1'700'000'900'000);
    ChatViewModel chat(m_profile.store, nullptr, kGus);
    app::ChatView view(&chat);
    view.resize(600, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    app::TimelineView *timeline = view.timeline();
    Messages *model = chat.messageList();
    QTRY_COMPARE(model->rowCount(), 2);
    for (int row = 0; row < 2; ++row) {
        const QModelIndex index = model->index(row);
        QStyleOptionViewItem option = optionFor(*timeline, index);
        option.state &= ~QStyle::State_Selected;
        option.rect.moveTopLeft({0, 0});
        const QRect bubble = timeline->messageDelegate()->geometry(option, index).bubble;
        QImage painted(option.rect.size(), QImage::Format_ARGB32_Premultiplied);
        painted.fill(Qt::white);
        QImage expected = painted;
        {
            QPainter painter(&painted);
            timeline->messageDelegate()->paint(&painter, option, index);
        }
        {
            QPainter painter(&expected);
            painter.setRenderHint(QPainter::Antialiasing);
            QColor fill = row == 1 ? option.palette.color(QPalette::Highlight)
                                   : option.palette.color(QPalette::AlternateBase);
            if (row == 1) {
                fill.setAlpha(45);
            }
            painter.setPen(QPen(option.palette.color(QPalette::Mid), 0.5));
            painter.setBrush(fill);
            painter.drawRoundedRect(QRectF(bubble).adjusted(0.5, 0.5, -0.5, -0.5), 8, 8);
        }
        // The four corners (nothing else is painted there) and a strip of each edge.
        const int corner = 9;
        const QList<QRect> parts = {
            QRect(bubble.topLeft(), QSize(corner, corner)),
            QRect(bubble.right() - corner + 1, bubble.top(), corner, corner),
            QRect(bubble.left(), bubble.bottom() - corner + 1, corner, corner),
            QRect(bubble.right() - corner + 1, bubble.bottom() - corner + 1, corner, corner),
            QRect(bubble.left(), bubble.center().y(), 3, 1),
            QRect(bubble.right() - 2, bubble.center().y(), 3, 1),
        };
        int worst = 0;
        for (const QRect &part : parts) {
            for (int y = part.top(); y <= part.bottom(); ++y) {
                for (int x = part.left(); x <= part.right(); ++x) {
                    const QRgb a = painted.pixel(x, y);
                    const QRgb b = expected.pixel(x, y);
                    worst =
                        std::max({worst, std::abs(qRed(a) - qRed(b)),
                                  std::abs(qGreen(a) - qGreen(b)), std::abs(qBlue(a) - qBlue(b))});
                }
            }
        }
        QVERIFY2(worst <= 3,
                 qPrintable(QStringLiteral("row %1: a pixel differs by %2").arg(row).arg(worst)));
    }
}

void TestTimeline::composerKeys()
{
    ChatViewModel chat(m_profile.store, nullptr, kCarol);
    app::ChatView view(&chat);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    app::Composer *composer = view.composer();
    composer->setFocus();
    QTest::keyClicks(composer, QStringLiteral("first"));
    QTest::keyClick(composer, Qt::Key_Return, Qt::ShiftModifier);
    QTest::keyClicks(composer, QStringLiteral("second"));
    QCOMPARE(composer->toPlainText(), QStringLiteral("first\nsecond"));
    QVERIFY(chat.errorText().isEmpty()); // nothing was sent
    // Enter sends: with no session manager the view model refuses, and the text stays.
    QTest::keyClick(composer, Qt::Key_Return);
    QCOMPARE(chat.errorText(), QStringLiteral("The profile is not open."));
    QCOMPARE(composer->toPlainText(), QStringLiteral("first\nsecond"));
    auto *error = view.findChild<QLabel *>(QStringLiteral("chatError"));
    QVERIFY(error && error->isVisible());
    QCOMPARE(error->text(), chat.errorText());

    // The emoji picker inserts at the cursor.
    composer->clear();
    QTest::keyClicks(composer, QStringLiteral("ab"));
    QTest::keyClick(composer, Qt::Key_Left);
    auto *emojiButton = view.findChild<QToolButton *>(QStringLiteral("emojiButton"));
    auto *picker = view.findChild<app::EmojiPicker *>(QStringLiteral("emojiPicker"));
    QVERIFY(emojiButton && picker);
    QTest::mouseClick(emojiButton, Qt::LeftButton);
    QTRY_VERIFY(picker->isVisible());
    const auto buttons = picker->findChildren<QToolButton *>();
    QCOMPARE(buttons.size(), app::EmojiPicker::emoji().size());
    QVERIFY(!buttons.at(16)->accessibleName().isEmpty());
    buttons.at(16)->click(); // 👍
    QTRY_VERIFY(!picker->isVisible());
    QCOMPARE(composer->toPlainText(), QStringLiteral("a👍b"));
}

void TestTimeline::composerBlockedWhileCannotSend()
{
    QVERIFY(succeeded(take(m_profile.store->run([](StoreContext &context) -> StoreStatus {
        ContactTable contacts(context);
        auto carol = contacts.findByAddress(kCarol);
        if (const auto *error = std::get_if<StoreError>(&carol)) {
            return *error;
        }
        std::get<ContactRecord>(carol).verified = true;
        if (auto put = contacts.put(std::get<ContactRecord>(carol));
            std::holds_alternative<StoreError>(put)) {
            return std::get<StoreError>(put);
        }
        return Done{};
    }))));
    ClientCore core;
    ChatViewModel chat(m_profile.store, core.sessionManager(), kCarol);
    app::ChatView view(&chat);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QTRY_VERIFY(chat.isVerified());
    auto *reason = view.findChild<QLabel *>(QStringLiteral("cannotSendReason"));
    auto *send = view.findChild<QPushButton *>(QStringLiteral("send"));
    QVERIFY(reason && send);
    QVERIFY(view.composer()->isEnabled());
    QVERIFY(!reason->isVisible());

    // What the SessionManager reports when a pinned key no longer matches.
    emit core.sessionManager()->keyChanged(kCarol, true);
    QTRY_VERIFY(!chat.canSend());
    QVERIFY(!view.composer()->isEnabled());
    QVERIFY(!send->isEnabled());
    QVERIFY(reason->isVisible());
    QCOMPARE(reason->text(), chat.cannotSendReason());
    QVERIFY(reason->text().contains(QStringLiteral("safety number changed")));

    // The contact's typing notice shows under the timeline, and goes away when they stop.
    auto *typing = view.findChild<QLabel *>(QStringLiteral("typingIndicator"));
    QVERIFY(typing);
    QVERIFY(typing->text().isEmpty());
    emit core.sessionManager()->typingReceived(kCarol, true);
    QTRY_COMPARE(typing->text(), QStringLiteral("carol is typing…"));
    emit core.sessionManager()->typingReceived(kCarol, false);
    QTRY_VERIFY(typing->text().isEmpty());

    // The key-change banner: "Review / Accept" while sending is blocked.
    QFrame *banner = view.keyChangeBanner();
    QVERIFY(banner->isVisible());
    auto *review = banner->findChild<QPushButton *>(QStringLiteral("reviewKeyChange"));
    QVERIFY(review);
    QCOMPARE(review->text(), QStringLiteral("Review / Accept"));
    QSignalSpy reviewAsked(&view, &app::ChatView::verificationRequested);
    QTest::mouseClick(review, Qt::LeftButton);
    QCOMPARE(reviewAsked.count(), 1);

    // An unverified contact's change is accepted by the core at once: a notice with "Review",
    // and sending goes on.
    ChatViewModel daveChat(m_profile.store, core.sessionManager(), kDave);
    app::ChatView daveView(&daveChat);
    daveView.show();
    QVERIFY(QTest::qWaitForWindowExposed(&daveView));
    QVERIFY(!daveView.keyChangeBanner()->isVisible());
    emit core.sessionManager()->keyChanged(kDave, false);
    emit core.sessionManager()->keyChangeAccepted(kDave);
    QTRY_VERIFY(daveView.keyChangeBanner()->isVisible());
    QCOMPARE(daveView.keyChangeBanner()
                 ->findChild<QPushButton *>(QStringLiteral("reviewKeyChange"))
                 ->text(),
             QStringLiteral("Review"));
    QVERIFY(daveView.composer()->isEnabled());
    QCOMPARE(daveView.keyChangeBanner()->findChild<QLabel *>(QStringLiteral("chatNotice"))->text(),
             daveChat.noticeText());
}

void TestTimeline::controlsHaveAccessibleNames()
{
    app::MessagingView messaging(m_profile.store, nullptr);
    messaging.resize(900, 600);
    messaging.show();
    QVERIFY(QTest::qWaitForWindowExposed(&messaging));
    QTRY_VERIFY(messaging.conversations()->model()->rowCount() >= 3);
    // Pick a conversation with the keyboard: the chat opens.
    QListView *list = messaging.conversationsView()->listView();
    list->setFocus();
    QTest::keyClick(list, Qt::Key_Down);
    QTRY_VERIFY(messaging.chatView() != nullptr);
    const QString first = messaging.conversations()->selectedAddress();
    QTest::keyClick(list, Qt::Key_Down);
    QTRY_VERIFY(messaging.conversations()->selectedAddress() != first);
    QTRY_VERIFY(messaging.chatView()->isVisible());

    app::AddContactDialog addContact(messaging.contacts(), &messaging);
    addContact.show();
    app::SettingsDialog settings(messaging.settings(), nullptr, messaging.requests(), &messaging);
    settings.show();
    QVERIFY(QTest::qWaitForWindowExposed(&settings));

    int checked = 0;
    for (QWidget *root : {static_cast<QWidget *>(&messaging), static_cast<QWidget *>(&addContact),
                          static_cast<QWidget *>(&settings)}) {
        QList<QWidget *> widgets = root->findChildren<QWidget *>();
        for (QWidget *widget : std::as_const(widgets)) {
            // A focus proxy (a spin box's line edit) is spoken for by its owner.
            if (!widget->isVisibleTo(root) || widget->focusPolicy() == Qt::NoFocus ||
                (widget->focusProxy() != nullptr &&
                 !widget->focusProxy()->accessibleName().isEmpty())) {
                continue;
            }
            QAccessibleInterface *accessible = QAccessible::queryAccessibleInterface(widget);
            QVERIFY(accessible);
            QVERIFY2(!accessible->text(QAccessible::Name).isEmpty(),
                     qPrintable(QStringLiteral("%1 (%2)").arg(
                         widget->objectName(), QLatin1String(widget->metaObject()->className()))));
            ++checked;
        }
    }
    QVERIFY(checked >= 12);
    // Every message row has its accessible text, and assistive technology reads it.
    app::TimelineView *timeline = messaging.chatView()->timeline();
    QAbstractItemModel *messages = timeline->model();
    QTRY_VERIFY(messages->rowCount() > 0);
    for (int row = 0; row < messages->rowCount(); ++row) {
        QVERIFY(!messages->index(row, 0).data(Qt::AccessibleTextRole).toString().isEmpty());
    }
    QAccessibleInterface *rows = QAccessible::queryAccessibleInterface(timeline);
    QVERIFY(rows && rows->childCount() >= 1);
    const QString spoken = messages->index(0, 0).data(Qt::AccessibleTextRole).toString();
    bool found = false;
    for (int child = 0; child < rows->childCount() && !found; ++child) {
        found = rows->child(child) && rows->child(child)->text(QAccessible::Name) == spoken;
    }
    QVERIFY2(found, qPrintable(spoken));

    // The settings dialog is bound to its view model.
    auto *replacement = settings.findChild<QLineEdit *>(QStringLiteral("newPassphrase"));
    auto *strength = settings.findChild<QLabel *>(QStringLiteral("settingsPassphraseStrength"));
    auto *autoLock = settings.findChild<QSpinBox *>(QStringLiteral("autoLockMinutes"));
    QVERIFY(replacement && strength && autoLock);
    QTest::keyClicks(replacement, QStringLiteral("short"));
    QVERIFY2(strength->text().startsWith(QStringLiteral("Weak")), qPrintable(strength->text()));
    autoLock->setValue(15);
    QCOMPARE(messaging.settings()->autoLockMinutes(), 15);
}

void TestTimeline::listTimes()
{
    const QDate today = QDate::currentDate();
    const QString now = app::ConversationDelegate::timeText(QDateTime(today, QTime(10, 42, 33)));
    QVERIFY2(now.contains(QStringLiteral("10:42")) && !now.contains(QStringLiteral("33")),
             qPrintable(now));
    const QDate before = today.addDays(-3);
    QCOMPARE(app::ConversationDelegate::timeText(QDateTime(before, QTime(10, 42))),
             QLocale().toString(before, QLocale::ShortFormat));
    QVERIFY(app::ConversationDelegate::timeText(QDateTime()).isEmpty());
    // The avatar colour depends on the address only.
    QCOMPARE(app::ConversationDelegate::avatarColor(kBob),
             app::ConversationDelegate::avatarColor(kBob));
    QVERIFY(app::ConversationDelegate::avatarColor(kBob) !=
            app::ConversationDelegate::avatarColor(kCarol));
}

// Ctrl+K: a popup that filters the conversations as you type; Enter opens the highlighted
// one, arrows move, Esc closes, and nothing matching keeps it open.
void TestTimeline::quickSwitcher()
{
    app::MessagingView messaging(m_profile.store, nullptr);
    messaging.resize(900, 600);
    messaging.show();
    messaging.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&messaging));
    QTRY_VERIFY(messaging.conversations()->model()->rowCount() >= 3);
    const int all = messaging.conversations()->model()->rowCount();

    QTest::keyClick(&messaging, Qt::Key_K, Qt::ControlModifier);
    QTRY_VERIFY(messaging.quickSwitcher() != nullptr);
    QPointer<app::QuickSwitcher> switcher = messaging.quickSwitcher();
    QVERIFY(QTest::qWaitForWindowExposed(switcher));
    QLineEdit *field = switcher->field();
    QAbstractItemModel *rows = switcher->listView()->model();
    QTRY_COMPARE(rows->rowCount(), all);
    QTRY_VERIFY(field->hasFocus());

    // Filter as you type: "car" leaves carol; Enter opens her conversation.
    QTest::keyClicks(field, QStringLiteral("car"));
    QCOMPARE(rows->rowCount(), 1);
    QCOMPARE(rows->index(0, 0).data(ConversationListModel::AddressRole).toString(), kCarol);
    QTest::keyClick(field, Qt::Key_Return);
    QTRY_VERIFY(switcher.isNull());
    QCOMPARE(messaging.conversations()->selectedAddress(), kCarol);
    QTRY_VERIFY(messaging.chatView() != nullptr);
    QCOMPARE(messaging.chatView()->chat()->contactAddress(), kCarol);
    QCOMPARE(messaging.conversationsView()->filterField()->text(), QString()); // untouched

    // Arrows move the highlight while typing goes on in the field.
    QTest::keyClick(&messaging, Qt::Key_K, Qt::ControlModifier);
    QTRY_VERIFY(messaging.quickSwitcher() != nullptr);
    switcher = messaging.quickSwitcher();
    field = switcher->field();
    rows = switcher->listView()->model();
    QTRY_COMPARE(rows->rowCount(), all);
    QCOMPARE(switcher->listView()->currentIndex().row(), 0);
    QTest::keyClick(field, Qt::Key_Down);
    QCOMPARE(switcher->listView()->currentIndex().row(), 1);
    QVERIFY(field->hasFocus());
    const QString second = rows->index(1, 0).data(ConversationListModel::AddressRole).toString();
    QTest::keyClick(field, Qt::Key_Return);
    QTRY_VERIFY(switcher.isNull());
    QCOMPARE(messaging.conversations()->selectedAddress(), second);
    // The conversation has the keyboard; Ctrl+K there is still the switcher's (a text field
    // would take it as "delete to the end of the line").
    QTRY_VERIFY(messaging.chatView() != nullptr &&
                messaging.chatView()->chat()->contactAddress() == second);
    QTRY_COMPARE(messaging.focusWidget(), messaging.chatView()->composer());

    // Nothing matches: Enter does nothing; Esc closes without changing the conversation.
    messaging.activateWindow(); // the offscreen platform does not give it back by itself
    QVERIFY(QTest::qWaitForWindowActive(&messaging));
    QVERIFY(messaging.chatView()->composer()->hasFocus());
    QTest::keyClicks(messaging.chatView()->composer(), QStringLiteral("draft"));
    QTest::keyClick(messaging.chatView()->composer(), Qt::Key_Home);
    QTest::keyClick(messaging.chatView()->composer(), Qt::Key_K, Qt::ControlModifier);
    QCOMPARE(messaging.chatView()->composer()->toPlainText(), QStringLiteral("draft"));
    QTRY_VERIFY(messaging.quickSwitcher() != nullptr);
    switcher = messaging.quickSwitcher();
    QTest::keyClicks(switcher->field(), QStringLiteral("nobody-like-this"));
    QCOMPARE(switcher->listView()->model()->rowCount(), 0);
    QTest::keyClick(switcher->field(), Qt::Key_Return);
    QVERIFY(!switcher.isNull() && switcher->isVisible());
    QTest::keyClick(switcher->field(), Qt::Key_Escape);
    QTRY_VERIFY(switcher.isNull());
    QCOMPARE(messaging.conversations()->selectedAddress(), second);
}

void TestTimeline::messageSearch()
{
    app::MessagingView messaging(m_profile.store, nullptr);
    messaging.resize(900, 600);
    messaging.show();
    messaging.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&messaging));
    QTRY_VERIFY(messaging.conversations()->model()->rowCount() >= 1);

    // Ctrl+F searches every message: a word and a number deep in bob's 100 000 (the space at
    // the end: the number as a whole word, not a prefix of 12340 … 12349).
    QTest::keyClick(&messaging, Qt::Key_F, Qt::ControlModifier);
    QTRY_VERIFY(messaging.messageSearch() != nullptr);
    QPointer<app::MessageSearchPopup> search = messaging.messageSearch();
    QVERIFY(QTest::qWaitForWindowExposed(search));
    QTRY_VERIFY(search->field()->hasFocus());
    QTest::keyClicks(search->field(), QStringLiteral("Message 1234"));
    QAbstractItemModel *results = search->listView()->model();
    // As a prefix it matches 1234 and 12340 … 12349: Down and PageDown move through the
    // results while the field keeps the focus and the text (ListKeyForwarder).
    QTRY_VERIFY(results->rowCount() >= 3);
    QTRY_COMPARE(search->listView()->currentIndex().row(), 0);
    QTest::keyClick(search->field(), Qt::Key_Down);
    QCOMPARE(search->listView()->currentIndex().row(), 1);
    QTest::keyClick(search->field(), Qt::Key_PageDown);
    QVERIFY(search->listView()->currentIndex().row() > 1);
    QTest::keyClick(search->field(), Qt::Key_Up);
    QCOMPARE(search->field()->text(), QStringLiteral("Message 1234"));
    QVERIFY(search->field()->hasFocus());
    QTest::keyClick(search->field(), Qt::Key_Space);
    QTRY_COMPARE(results->rowCount(), 1);
    QCOMPARE(results->index(0, 0).data(Qt::DisplayRole).toString(), QStringLiteral("message 1234"));
    QTRY_VERIFY(!search->statusLabel()->isVisible());

    // Enter opens bob's conversation at that message, selected, far from the newest page.
    QTest::keyClick(search->field(), Qt::Key_Return);
    QTRY_VERIFY(search.isNull());
    QTRY_VERIFY(messaging.chatView() != nullptr);
    QCOMPARE(messaging.chatView()->chat()->contactAddress(), kBob);
    app::TimelineView *timeline = messaging.chatView()->timeline();
    QTRY_COMPARE_WITH_TIMEOUT(timeline->currentIndex().data(Messages::TextRole).toString(),
                              QStringLiteral("message 1234"), 10000);
    QVERIFY(timeline->selectionModel()->isSelected(timeline->currentIndex()));
    QVERIFY(
        timeline->viewport()->rect().intersects(timeline->visualRect(timeline->currentIndex())));

    // Nothing matches: the popup says so and stays open.
    QTest::keyClick(&messaging, Qt::Key_F, Qt::ControlModifier);
    QTRY_VERIFY(messaging.messageSearch() != nullptr);
    search = messaging.messageSearch();
    search->field()->clear();
    QTest::keyClicks(search->field(), QStringLiteral("zebra"));
    // ("Searching…" first, while the query runs.)
    QTRY_COMPARE(search->statusLabel()->text(), QStringLiteral("No messages found"));
    QVERIFY(search->statusLabel()->isVisible());
    QCOMPARE(search->listView()->model()->rowCount(), 0);
    QTest::keyClick(search->field(), Qt::Key_Return);
    QVERIFY(!search.isNull());
    search->close();
}

QTEST_MAIN(TestTimeline)
#include "tst_timeline.moc"

// Groups in the app (issue 14) over a real core signed in to the real relay binary, with
// parley-cli as the other members: a group made through the "New group" dialog with two real
// contacts appears in the list and opens; a rename and a removal made in the "Group info"
// dialog reach bob's client; a group text from bob shows his name over his run in the
// timeline (the delegate's author line, inside the row's size hint); files go both ways (a
// photo alice sends as the 📎 button does, without its metadata; a file of bob's that alice
// saves by its row); alice makes bob an admin and leaves after the confirmation.

#include "app/chatview.h"
#include "app/groupinfodialog.h"
#include "app/messagedelegate.h"
#include "app/messagingview.h"
#include "app/newgroupdialog.h"
#include "app/timelineview.h"
#include "apphost.h"
#include "core/models/conversationlistmodel.h"
#include "core/models/messagelistmodel.h"
#include "core/viewmodels/chatviewmodel.h"
#include "core/viewmodels/contactsviewmodel.h"
#include "core/viewmodels/conversationlistviewmodel.h"
#include "core/viewmodels/groupviewmodel.h"
#include "screenshots.h"
#include "support/cliprocess.h"
#include "support/exifjpeg.h"
#include "support/relayprocess.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

using namespace parley;
using parley::test::CliResult;
using parley::test::RelayProcess;
using Messages = core::MessageListModel;
using Conversations = core::ConversationListModel;

namespace {

const QString kPassphrase = QStringLiteral("Four unrelated words, 2024");
constexpr int kTimeoutMs = 30'000;

using App = parley::test::AppHost;

QStringList strings(const QJsonValue &value)
{
    QStringList out;
    for (const QJsonValue &item : value.toArray()) {
        out << item.toString();
    }
    return out;
}

QListWidgetItem *itemFor(QListWidget *list, const QString &address)
{
    for (int row = 0; row < list->count(); ++row) {
        if (list->item(row)->data(Qt::UserRole).toString() == address) {
            return list->item(row);
        }
    }
    return nullptr;
}

} // namespace

class TestGroupUi : public QObject
{
    Q_OBJECT

private slots:
    void groupThroughTheDialogs();

private:
    CliResult cli(const QString &name, QStringList arguments)
    {
        arguments.prepend(QStringLiteral("--json"));
        arguments.prepend(m_dir.filePath(name));
        arguments.prepend(QStringLiteral("--profile"));
        return parley::test::runCli(arguments, kPassphrase);
    }
    // Bob's view of group `id` (after fetching what the relay holds), or an empty object.
    QJsonObject bobsGroup(const QString &id)
    {
        const CliResult result =
            cli(QStringLiteral("bob"), {QStringLiteral("group"), QStringLiteral("list")});
        for (const QString &line : result.out.split(u'\n', Qt::SkipEmptyParts)) {
            const QJsonObject event = QJsonDocument::fromJson(line.toUtf8()).object();
            if (event.value(u"event").toString() == u"group" &&
                event.value(u"group_id").toString() == id) {
                return event;
            }
        }
        return {};
    }

    QTemporaryDir m_dir;
};

void TestGroupUi::groupThroughTheDialogs()
{
    RelayProcess relay;
    const QString error = relay.start(m_dir.filePath(QStringLiteral("relay")));
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const auto address = [&](const QString &name) {
        return QStringLiteral("%1@127.0.0.1:%2").arg(name).arg(relay.port());
    };
    const QString alice = address(QStringLiteral("alice"));
    const QString bob = address(QStringLiteral("bob"));
    const QString carol = address(QStringLiteral("carol"));

    App app(m_dir.filePath(QStringLiteral("alice")), relay.url());
    app.window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&app.window));
    app.onboarding.start(false);
    app.onboarding.createProfile(QStringLiteral("alice"), relay.url().toString(), kPassphrase,
                                 false);
    QTRY_VERIFY_WITH_TIMEOUT(app.window.messagingView() != nullptr, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(app.connection.isConnected(), kTimeoutMs);
    app::MessagingView *messaging = app.window.messagingView();

    // Bob and carol (parley-cli) have alice as a contact, and she has them: group changes
    // travel over the pairwise sessions (M1 §9).
    for (const QString &name : {QStringLiteral("bob"), QStringLiteral("carol")}) {
        CliResult made = parley::test::runCli(
            {QStringLiteral("--profile"), m_dir.filePath(name), QStringLiteral("--relay"),
             relay.url().toString(), QStringLiteral("--kdf"), QStringLiteral("interactive"),
             QStringLiteral("init"), name},
            kPassphrase);
        QVERIFY2(made.exitCode == 0, qPrintable(made.err));
        made = cli(name, {QStringLiteral("add"), QStringLiteral("alice")});
        QVERIFY2(made.exitCode == 0, qPrintable(made.err));
        QSignalSpy added(messaging->contacts(), &core::ContactsViewModel::contactAdded);
        QVERIFY(messaging->contacts()->addContact(name));
        QTRY_COMPARE_WITH_TIMEOUT(added.count(), 1, kTimeoutMs);
    }

    // New group: without a member the dialog says why; with bob and carol it makes the group,
    // which appears in the list and opens.
    QString key;
    {
        messaging->newGroup();
        app::NewGroupDialog *dialog = messaging->newGroupDialog();
        QVERIFY(dialog != nullptr);
        QVERIFY(QTest::qWaitForWindowExposed(dialog));
        auto *name = dialog->findChild<QLineEdit *>(QStringLiteral("groupName"));
        auto *contacts = dialog->findChild<QListWidget *>(QStringLiteral("groupContacts"));
        auto *create = dialog->findChild<QPushButton *>(QStringLiteral("createGroup"));
        auto *status = dialog->findChild<QLabel *>(QStringLiteral("newGroupStatus"));
        QVERIFY(name && contacts && create && status);
        QVERIFY(!name->accessibleName().isEmpty() && !contacts->accessibleName().isEmpty());
        QTRY_COMPARE_WITH_TIMEOUT(contacts->count(), 2, kTimeoutMs);
        QTest::keyClicks(name, QStringLiteral("Hikers"));
        QTest::mouseClick(create, Qt::LeftButton);
        QTRY_VERIFY(!status->text().isEmpty());
        QVERIFY(dialog->isVisible());
        itemFor(contacts, bob)->setCheckState(Qt::Checked);
        itemFor(contacts, carol)->setCheckState(Qt::Checked);
        // The dialog deletes itself once closed: its answer is kept as it finishes.
        int result = -1;
        connect(dialog, &QDialog::finished, this, [&key, &result, dialog](int code) {
            result = code;
            key = dialog->createdKey();
        });
        QTest::mouseClick(create, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(result, int(QDialog::Accepted), kTimeoutMs);
        QTRY_VERIFY(messaging->newGroupDialog() == nullptr);
    }
    QVERIFY2(key.startsWith(QStringLiteral("group:")), qPrintable(key));
    const QString id = key.mid(6);
    QTRY_VERIFY_WITH_TIMEOUT(messaging->chatView() != nullptr, kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(messaging->chatView()->chat()->contactAddress(), key, kTimeoutMs);
    app::ChatView *chat = messaging->chatView();
    QVERIFY(chat->chat()->isGroup());
    QTRY_COMPARE_WITH_TIMEOUT(chat->chat()->displayName(), QStringLiteral("Hikers"), kTimeoutMs);
    const QAbstractItemModel *rows = messaging->conversations()->model();
    bool listed = false;
    for (int row = 0; row < rows->rowCount(); ++row) {
        const QModelIndex index = rows->index(row, 0);
        if (index.data(Conversations::AddressRole).toString() == key) {
            listed = index.data(Conversations::IsGroupRole).toBool();
        }
    }
    QVERIFY(listed);
    QJsonObject seen = bobsGroup(id);
    QCOMPARE(seen.value(u"name").toString(), QStringLiteral("Hikers"));
    QCOMPARE(strings(seen.value(u"members")), (QStringList{alice, bob, carol}));

    // Group info from the ⋮ menu: rename, remove carol; bob's client sees both.
    QAction *info =
        chat->conversationMenu()->findChild<QAction *>(QStringLiteral("groupInfoAction"));
    QVERIFY(info != nullptr);
    QVERIFY(chat->conversationMenu()->findChild<QAction *>(QStringLiteral("blockAction")) ==
            nullptr);
    // The header's button opens it too (a group has no safety number of its own to verify).
    auto *infoButton = chat->findChild<QPushButton *>(QStringLiteral("groupInfo"));
    QVERIFY(infoButton != nullptr);
    QVERIFY(chat->findChild<QPushButton *>(QStringLiteral("verifyContact")) == nullptr);
    QCOMPARE(infoButton->text(), QStringLiteral("Group info…"));
    QTest::mouseClick(infoButton, Qt::LeftButton);
    app::GroupInfoDialog *dialog = messaging->groupInfoDialog();
    QVERIFY(dialog != nullptr);
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    core::GroupViewModel *group = dialog->group();
    auto *name = dialog->findChild<QLineEdit *>(QStringLiteral("groupName"));
    auto *rename = dialog->findChild<QPushButton *>(QStringLiteral("renameGroup"));
    auto *members = dialog->findChild<QListWidget *>(QStringLiteral("groupMembers"));
    auto *remove = dialog->findChild<QPushButton *>(QStringLiteral("removeMember"));
    auto *makeAdmin = dialog->findChild<QPushButton *>(QStringLiteral("makeAdmin"));
    auto *leave = dialog->findChild<QPushButton *>(QStringLiteral("leaveGroup"));
    QVERIFY(name && rename && members && remove && makeAdmin && leave);
    QTRY_COMPARE_WITH_TIMEOUT(members->count(), 3, kTimeoutMs);
    QTRY_VERIFY(group->isAdmin());
    // The admin is marked; a plain member shows just the name.
    QVERIFY(itemFor(members, alice)->text() != group->displayNameOf(alice));
    QCOMPARE(itemFor(members, bob)->text(), group->displayNameOf(bob));
    QCOMPARE(name->text(), QStringLiteral("Hikers"));
    name->clear();
    QTest::keyClicks(name, QStringLiteral("Trail crew"));
    QTest::mouseClick(rename, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(group->name(), QStringLiteral("Trail crew"), kTimeoutMs);
    QTRY_VERIFY(!group->isBusy());
    members->setCurrentItem(itemFor(members, carol));
    QVERIFY(remove->isEnabled());
    QTest::mouseClick(remove, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(members->count(), 2, kTimeoutMs);
    QTRY_VERIFY(!group->isBusy());
    QVERIFY(group->errorText().isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(chat->chat()->displayName(), QStringLiteral("Trail crew"),
                              kTimeoutMs);
    seen = bobsGroup(id);
    QCOMPARE(seen.value(u"name").toString(), QStringLiteral("Trail crew"));
    QCOMPARE(strings(seen.value(u"members")), (QStringList{alice, bob}));

    // Bob writes twice: his name is over the first of his run, inside the row.
    for (const QString &text : {QStringLiteral("On my way"), QStringLiteral("Ten minutes")}) {
        const CliResult sent =
            cli(QStringLiteral("bob"), {QStringLiteral("group"), QStringLiteral("send"), id, text});
        QVERIFY2(sent.exitCode == 0, qPrintable(sent.err));
    }
    Messages *messages = chat->chat()->messageList();
    QTRY_COMPARE_WITH_TIMEOUT(messages->rowCount(), 5, kTimeoutMs);
    app::TimelineView *timeline = chat->timeline();
    app::MessageDelegate *delegate = timeline->messageDelegate();
    // Above them, what alice's changes did, as system rows (schema v16).
    QStringList events;
    for (int row = 0; row < 3; ++row) {
        const QModelIndex index = messages->index(row);
        QVERIFY(index.data(Messages::IsSystemRole).toBool());
        events << index.data(Qt::DisplayRole).toString();
    }
    QCOMPARE(events, (QStringList{QStringLiteral("You created the group “Hikers”."),
                                  QStringLiteral("You renamed the group to “Trail crew”."),
                                  QStringLiteral("You removed carol.")}));
    // A sentence wider than the row goes on over more lines, inside its bubble and the row.
    for (int row = 0; row < 3; ++row) {
        const QModelIndex index = messages->index(row);
        QStyleOptionViewItem option;
        option.initFrom(timeline);
        option.font = timeline->font();
        option.rect = QRect(0, 0, 1000, 400); // no widget: the row's own width counts
        const auto wide = delegate->geometry(option, index);
        option.rect.setWidth(120); // the narrowest row the delegate lays out
        const auto narrow = delegate->geometry(option, index);
        QVERIFY2(narrow.text.height() >= 2 * wide.text.height(), qPrintable(events.at(row)));
        QVERIFY(option.rect.contains(narrow.bubble));
        QVERIFY(narrow.bubble.contains(narrow.text));
        QVERIFY(delegate->sizeHint(option, index).height() >= narrow.bubble.bottom() + 1);
    }
    parley::test::saveScreenshot(&app.window, QStringLiteral("group"));
    for (int row = 3; row < 5; ++row) {
        const QModelIndex index = messages->index(row);
        QCOMPARE(index.data(Messages::AuthorRole).toString(), bob);
        QVERIFY(index.data(Qt::AccessibleTextRole).toString().startsWith(QStringLiteral("bob")));
        QStyleOptionViewItem option;
        option.initFrom(timeline);
        option.font = timeline->font();
        option.widget = timeline;
        option.rect = timeline->visualRect(index);
        const auto parts = delegate->geometry(option, index);
        const QSize hint = delegate->sizeHint(option, index);
        if (row == 3) {
            QVERIFY(!parts.author.isEmpty());
            QVERIFY(parts.bubble.contains(parts.author));
            QVERIFY(parts.author.bottom() < parts.text.top());
            QVERIFY(option.rect.contains(parts.author));
        } else {
            QVERIFY(parts.author.isEmpty()); // the same author's run goes on
        }
        QVERIFY(parts.bubble.contains(parts.text));
        QVERIFY(hint.height() >= parts.bubble.bottom() - option.rect.top() + 1);
    }

    // Disappearing messages from the same menu as in 1:1, for every member (M1 §9.9): bob's
    // client shows alice's change as a row of the group's conversation.
    auto *timers = chat->conversationMenu()->findChild<QMenu *>(QStringLiteral("disappearingMenu"));
    QVERIFY(timers != nullptr);
    QAction *hour = nullptr;
    for (QAction *action : timers->actions()) {
        if (action->data().toInt() == 3600) {
            hour = action;
        }
    }
    QVERIFY(hour != nullptr);
    hour->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(chat->chat()->disappearingSeconds(), 3600, kTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(hour->isChecked(), kTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(messages->rowCount(), 6, kTimeoutMs);
    QCOMPARE(messages->index(5).data(Qt::DisplayRole).toString(),
             QStringLiteral("You set disappearing messages to 1 hour."));
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const CliResult history = cli(
                QStringLiteral("bob"), {QStringLiteral("--json"), QStringLiteral("history"), key});
            return history.out.contains(u"\"timer\":3600") &&
                   history.out.contains(alice + QStringLiteral(" set disappearing messages"));
        }(),
        kTimeoutMs);

    // Files in the group (M1 §9.10). Alice sends a photo the way the 📎 button and a drop do:
    // it leaves as a JPEG without its GPS EXIF and with a thumbnail, and bob's copy matches.
    QVERIFY(chat->findChild<QToolButton *>(QStringLiteral("attachButton"))->isEnabled());
    const QByteArray marker("PARLEY-GPS-GROUP-47.3769N");
    const QString photoPath = m_dir.filePath(QStringLiteral("summit.jpg"));
    {
        QFile photo(photoPath);
        QVERIFY(photo.open(QIODevice::WriteOnly));
        photo.write(parley::test::jpegWithGpsExif(marker));
    }
    chat->sendFileAt(photoPath);
    QTRY_COMPARE_WITH_TIMEOUT(messages->rowCount(), 7, kTimeoutMs);
    const QModelIndex photoRow = messages->index(6);
    const QVariantMap photoFile = photoRow.data(Messages::AttachmentRole).toMap();
    QCOMPARE(photoFile.value(QStringLiteral("fileName")).toString(), QStringLiteral("summit.jpg"));
    QVERIFY(!photoFile.value(QStringLiteral("thumbnail")).toByteArray().isEmpty());
    const QString photoId = photoRow.data(Messages::ClientMessageIdRole).toString();
    QCOMPARE(photoId.size(), 32);
    QTRY_COMPARE_WITH_TIMEOUT(messages->index(6).data(Messages::StateNameRole).toString(),
                              QStringLiteral("sent"), kTimeoutMs);
    const QString bobsPhoto = m_dir.filePath(QStringLiteral("bobs-summit.jpg"));
    QCOMPARE(cli(QStringLiteral("bob"), {QStringLiteral("recv")}).exitCode, 0);
    CliResult fetched =
        cli(QStringLiteral("bob"), {QStringLiteral("fetch-file"), key, photoId, bobsPhoto});
    QVERIFY2(fetched.exitCode == 0, qPrintable(fetched.err + fetched.out));
    {
        QFile copy(bobsPhoto);
        QVERIFY(copy.open(QIODevice::ReadOnly));
        const QByteArray bytes = copy.readAll();
        QCOMPARE(QImage::fromData(bytes).size(), QSize(64, 48));
        QVERIFY(!bytes.contains(marker));
    }
    // Bob sends a file: it is his row in alice's timeline, and she saves it by that row (the
    // core finds it by its author and id).
    const QByteArray notes("Bring water.\nStart at six.\n");
    const QString notesPath = m_dir.filePath(QStringLiteral("notes.txt"));
    {
        QFile file(notesPath);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(notes);
    }
    const CliResult sentFile =
        cli(QStringLiteral("bob"), {QStringLiteral("send-file"), key, notesPath});
    QVERIFY2(sentFile.exitCode == 0, qPrintable(sentFile.err + sentFile.out));
    QTRY_COMPARE_WITH_TIMEOUT(messages->rowCount(), 8, kTimeoutMs);
    const QModelIndex notesRow = messages->index(7);
    QCOMPARE(notesRow.data(Messages::AuthorRole).toString(), bob);
    QCOMPARE(notesRow.data(Messages::AttachmentRole)
                 .toMap()
                 .value(QStringLiteral("fileName"))
                 .toString(),
             QStringLiteral("notes.txt"));
    QSignalSpy saved(chat->chat(), &core::ChatViewModel::attachmentSaved);
    const QString savedPath = m_dir.filePath(QStringLiteral("saved-notes.txt"));
    chat->saveAttachmentTo(notesRow.data(Messages::IdRole).toLongLong(), savedPath);
    QTRY_COMPARE_WITH_TIMEOUT(saved.count(), 1, kTimeoutMs);
    {
        QFile file(savedPath);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), notes);
    }

    // Alice makes bob an admin, then leaves after the confirmation.
    members->setCurrentItem(itemFor(members, bob));
    QVERIFY(makeAdmin->isEnabled());
    QTest::mouseClick(makeAdmin, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(group->admins().contains(bob), kTimeoutMs);
    QTRY_VERIFY(!group->isBusy());
    QTest::mouseClick(leave, Qt::LeftButton);
    QTRY_VERIFY(dialog->leaveConfirmation() != nullptr);
    auto *confirm =
        dialog->leaveConfirmation()->findChild<QPushButton *>(QStringLiteral("confirmLeave"));
    QVERIFY(confirm != nullptr);
    QTest::mouseClick(confirm, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!group->isMember(), kTimeoutMs);
    QVERIFY(!leave->isEnabled());
    QVERIFY(!rename->isEnabled());
    // The core refuses a change by a former member: its sentence is the dialog's status.
    QVERIFY(group->rename(QStringLiteral("Mine now")));
    QTRY_VERIFY_WITH_TIMEOUT(!group->isBusy(), kTimeoutMs);
    QVERIFY(!group->errorText().isEmpty());
    auto *status = dialog->findChild<QLabel *>(QStringLiteral("groupInfoStatus"));
    QVERIFY(status != nullptr);
    QCOMPARE(status->text(), group->errorText());
    seen = bobsGroup(id);
    QCOMPARE(strings(seen.value(u"members")), QStringList{bob});
    QCOMPARE(strings(seen.value(u"admins")), QStringList{bob});
}

QTEST_MAIN(TestGroupUi)
#include "tst_groupui.moc"

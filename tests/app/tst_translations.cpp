// The German translation (translations/parley_de.ts), loaded the way main.cpp loads it: real
// widgets on the offscreen platform show German texts, the .ts holds a finished translation of
// exactly the strings lupdate finds in app/ and core/ today (a new tr() string without German
// fails here), and the .qm embedded in the app answers every one of them.

#include "app/aboutdialog.h"
#include "app/mainwindow.h"
#include "app/singleinstance.h"
#include "app/translations.h"
#include "core/clientcore.h"
#include "core/viewmodels/connectionviewmodel.h"
#include "core/viewmodels/onboardingviewmodel.h"

#include <QDialogButtonBox>
#include <QFile>
#include <QLabel>
#include <QLibraryInfo>
#include <QLineEdit>
#include <QProcess>
#include <QProcessEnvironment>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTranslator>
#include <QXmlStreamReader>

#include <algorithm>
#include <map>
#include <tuple>

using namespace parley;

namespace {

// One <message> of a .ts file.
struct TsMessage
{
    bool numerus = false;
    bool finished = true;     // no type="unfinished" / "vanished" / "obsolete"
    QStringList translations; // one, or one per plural form
};
using TsKey = std::tuple<QString, QString>; // context, source
using TsFile = std::map<TsKey, TsMessage>;

// Reads a .ts file; an empty map and `error` set when it cannot be read.
TsFile readTs(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot open %1").arg(path);
        return {};
    }
    TsFile messages;
    QXmlStreamReader xml(&file);
    QString context;
    QString source;
    TsMessage message;
    while (!xml.atEnd()) {
        xml.readNext();
        if (!xml.isStartElement()) {
            if (xml.isEndElement() && xml.name() == u"message") {
                messages[{context, source}] = message;
            }
            continue;
        }
        if (xml.name() == u"name") {
            context = xml.readElementText();
        } else if (xml.name() == u"message") {
            message = TsMessage{};
            message.numerus = xml.attributes().value(QLatin1String("numerus")) == u"yes";
            source.clear();
        } else if (xml.name() == u"source") {
            source = xml.readElementText();
        } else if (xml.name() == u"translation") {
            message.finished = !xml.attributes().hasAttribute(QLatin1String("type"));
            if (!message.numerus) {
                message.translations << xml.readElementText();
            }
        } else if (xml.name() == u"numerusform") {
            message.translations << xml.readElementText();
        }
    }
    if (xml.hasError()) {
        *error = QStringLiteral("%1: %2").arg(path, xml.errorString());
        return {};
    }
    return messages;
}

QString describe(const TsKey &key)
{
    return QStringLiteral("%1: \"%2\"").arg(std::get<0>(key), std::get<1>(key));
}

// A window as main.cpp makes it; no relay is needed for the onboarding form.
struct App
{
    explicit App(const QString &profile)
        : connection(core.relayConnection())
        , onboarding(&core, profile)
        , window(&core, &connection, &onboarding, QString())
    {
        onboarding.setVaultParameters(crypto::VaultParameters::minimum());
        onboarding.setRelayUrlOverride(QUrl(QStringLiteral("ws://127.0.0.1:1")));
    }

    core::ClientCore core;
    core::ConnectionViewModel connection;
    core::OnboardingViewModel onboarding;
    app::MainWindow window;
};

// The text of the form label whose buddy (accelerator target) is `field`.
QString formLabel(QWidget *window, QWidget *field)
{
    const auto labels = window->findChildren<QLabel *>();
    for (const QLabel *label : labels) {
        if (label->buddy() == field) {
            return label->text();
        }
    }
    return {};
}

// Runs the real `parley` with the given language variables to its end (the
// event loop runs meanwhile, so an in-process holder of the profile answers). Returns its
// stderr, or a note that it did not finish.
QString runApp(const QStringList &arguments, const QStringList &languageVariables,
               QString *out = nullptr)
{
    QProcess app;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"}) {
        environment.remove(QString::fromLatin1(name));
    }
    for (const QString &variable : languageVariables) {
        environment.insert(variable.section(QLatin1Char('='), 0, 0),
                           variable.section(QLatin1Char('='), 1));
    }
    app.setProcessEnvironment(environment);
    app.start(qEnvironmentVariable("PARLEY_APP_BIN"), arguments);
    QSignalSpy finished(&app, &QProcess::finished);
    if (!app.waitForStarted(30'000) || !finished.wait(30'000)) {
        app.kill();
        app.waitForFinished();
        return QStringLiteral("(parley did not finish)");
    }
    if (out != nullptr) {
        *out = QString::fromUtf8(app.readAllStandardOutput());
    }
    return QString::fromUtf8(app.readAllStandardError());
}

} // namespace

class TestTranslations : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void tsIsCompleteForTheSources();
    void qmAnswersEveryMessage();
    void appFollowsTheEnvironment();
    void germanUi();

private:
    TsFile m_committed;
};

void TestTranslations::initTestCase()
{
    QString error;
    m_committed = readTs(QStringLiteral(PARLEY_TS_DE), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(m_committed.size() > 200);
}

// lupdate over the same sources as `update_translations` (app/CMakeLists.txt), into a copy of
// the committed file: a string added to the code comes out unfinished, one removed from the code
// leaves the copy smaller than the committed file.
void TestTranslations::tsIsCompleteForTheSources()
{
    QTemporaryDir dir;
    const QString copy = dir.filePath(QStringLiteral("parley_de.ts"));
    QVERIFY(QFile::copy(QStringLiteral(PARLEY_TS_DE), copy));
    QFile::setPermissions(copy, QFileDevice::ReadOwner | QFileDevice::WriteOwner);

    QProcess lupdate;
    lupdate.setProcessChannelMode(QProcess::MergedChannels);
    lupdate.start(QStringLiteral(PARLEY_LUPDATE),
                  {QStringLiteral("@" PARLEY_TRANSLATED_SOURCES), QStringLiteral("-I"),
                   QStringLiteral(PARLEY_SOURCE_DIR), QStringLiteral("-no-obsolete"),
                   QStringLiteral("-locations"), QStringLiteral("none"), QStringLiteral("-ts"),
                   copy});
    QVERIFY2(lupdate.waitForFinished(60'000), qPrintable(lupdate.errorString()));
    QVERIFY2(lupdate.exitStatus() == QProcess::NormalExit && lupdate.exitCode() == 0,
             lupdate.readAll().constData());

    QString error;
    const TsFile fresh = readTs(copy, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QStringList untranslated;
    for (const auto &[key, message] : fresh) {
        const bool empty = message.translations.isEmpty() ||
                           std::any_of(message.translations.cbegin(), message.translations.cend(),
                                       [](const QString &text) { return text.isEmpty(); });
        if (!message.finished || empty) {
            untranslated << describe(key);
        }
    }
    QVERIFY2(untranslated.isEmpty(),
             qPrintable(QStringLiteral("no German for (run the update_translations target and "
                                       "translate them in translations/parley_de.ts):\n") +
                        untranslated.join(QLatin1Char('\n'))));
    QStringList stale;
    for (const auto &[key, message] : m_committed) {
        if (fresh.find(key) == fresh.end()) {
            stale << describe(key);
        }
    }
    QVERIFY2(stale.isEmpty(),
             qPrintable(QStringLiteral("in parley_de.ts but no longer in the code (run the "
                                       "update_translations target):\n") +
                        stale.join(QLatin1Char('\n'))));
    QCOMPARE(fresh.size(), m_committed.size());
}

// The .qm built into the app is the committed .ts: every message has its German text, the
// plural forms included (German: one, other).
void TestTranslations::qmAnswersEveryMessage()
{
    QTranslator translator;
    QVERIFY(translator.load(QStringLiteral("parley_de"), app::embeddedTranslationsPath()));
    QCOMPARE(translator.language(), QStringLiteral("de_DE"));
    for (const auto &[key, message] : m_committed) {
        const QByteArray context = std::get<0>(key).toUtf8();
        const QByteArray source = std::get<1>(key).toUtf8();
        if (message.numerus) {
            QCOMPARE(message.translations.size(), 2);
            QCOMPARE(translator.translate(context.constData(), source.constData(), nullptr, 1),
                     message.translations.at(0));
            QCOMPARE(translator.translate(context.constData(), source.constData(), nullptr, 5),
                     message.translations.at(1));
        } else {
            QCOMPARE(translator.translate(context.constData(), source.constData()),
                     message.translations.at(0));
        }
    }
}

// main() loads the translation for LANG/LANGUAGE before anything else: a second instance's
// message (on stderr, after QApplication exists) is German under a German locale.
void TestTranslations::appFollowsTheEnvironment()
{
    QTemporaryDir profile;
    app::SingleInstance holder(profile.path());
    QCOMPARE(holder.claim(), app::SingleInstance::Outcome::Primary);

    const QStringList arguments{QStringLiteral("--profile"), profile.path()};
    QString errors = runApp(arguments, {QStringLiteral("LANG=de_DE.UTF-8")});
    QVERIFY2(errors.contains(
                 QStringLiteral("dieses Profil ist bereits geöffnet; sein Fenster wurde nach "
                                "vorn geholt")),
             qPrintable(errors));
    errors = runApp(arguments, {QStringLiteral("LANGUAGE=de"), QStringLiteral("LANG=C.UTF-8")});
    QVERIFY2(errors.contains(QStringLiteral("bereits geöffnet")), qPrintable(errors));
    errors = runApp(arguments, {QStringLiteral("LANG=en_GB.UTF-8")});
    QVERIFY2(errors.contains(QStringLiteral("this profile is already open")), qPrintable(errors));

    // --help and a bad command line: translated too, still without a display.
    QString help;
    runApp(QStringList{QStringLiteral("--help")}, {QStringLiteral("LANG=de_DE.UTF-8")}, &help);
    QVERIFY2(help.contains(QStringLiteral("Diese Hilfe anzeigen und beenden.")), qPrintable(help));
    QVERIFY2(help.contains(QStringLiteral("Das Profil in <dir> verwenden")), qPrintable(help));
    errors = runApp(QStringList{QStringLiteral("file.txt")}, {QStringLiteral("LANG=de_DE.UTF-8")});
    QVERIFY2(errors.contains(QStringLiteral("unerwartetes Argument: file.txt (siehe --help)")),
             qPrintable(errors));
    runApp(QStringList{QStringLiteral("--help")}, {QStringLiteral("LANG=en_GB.UTF-8")}, &help);
    QVERIFY2(help.contains(QStringLiteral("Show this help and exit.")), qPrintable(help));
}

void TestTranslations::germanUi()
{
    // English first: the test would pass on an untranslated UI otherwise.
    QTemporaryDir dir;
    {
        App english(dir.filePath(QStringLiteral("english")));
        english.onboarding.start(false);
        auto *create = english.window.findChild<QPushButton *>(QStringLiteral("createProfile"));
        QVERIFY(create);
        QCOMPARE(create->text(), QStringLiteral("&Create profile"));
    }

    QLocale::setDefault(QLocale(QLocale::German, QLocale::Germany));
    const app::InstalledTranslations installed = app::installTranslations(QLocale());
    QVERIFY(installed.parley);
    // Qt's own German is there when the system has it (Debian qt6-translations-l10n, which
    // scripts/setup-deps installs).
    const bool systemHasQtGerman = QFile::exists(
        QLibraryInfo::path(QLibraryInfo::TranslationsPath) + QStringLiteral("/qtbase_de.qm"));
    QCOMPARE(installed.qt, systemHasQtGerman);

    App app(dir.filePath(QStringLiteral("german")));
    app.window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&app.window));
    app.onboarding.start(false);
    QCOMPARE(app.onboarding.state(), core::OnboardingViewModel::State::NoProfile);

    auto *create = app.window.findChild<QPushButton *>(QStringLiteral("createProfile"));
    auto *username = app.window.findChild<QLineEdit *>(QStringLiteral("username"));
    auto *passphrase = app.window.findChild<QLineEdit *>(QStringLiteral("passphrase"));
    auto *confirmation =
        app.window.findChild<QLineEdit *>(QStringLiteral("passphraseConfirmation"));
    auto *strength = app.window.findChild<QLabel *>(QStringLiteral("passphraseStrength"));
    auto *errorLabel = app.window.findChild<QLabel *>(QStringLiteral("onboardingError"));
    QVERIFY(create && username && passphrase && confirmation && strength && errorLabel);
    QCOMPARE(create->text(), QStringLiteral("Profil er&stellen"));
    QCOMPARE(create->accessibleName(), QStringLiteral("Profil erstellen"));
    QCOMPARE(username->placeholderText(), QStringLiteral("z. B. alice"));
    QCOMPARE(formLabel(&app.window, username), QStringLiteral("&Benutzername:"));
    QCOMPARE(formLabel(&app.window, confirmation), QStringLiteral("&Wiederholen:"));

    // Sentences from core's view models come through the same translator.
    QTest::keyClicks(passphrase, QStringLiteral("short"));
    QVERIFY2(strength->text().startsWith(QStringLiteral("Schwach:")), qPrintable(strength->text()));
    QTest::keyClicks(confirmation, QStringLiteral("something else"));
    QTest::mouseClick(create, Qt::LeftButton);
    QCOMPARE(errorLabel->text(), QStringLiteral("Die beiden Passphrasen stimmen nicht überein."));
    app.connection.connectToRelay(QUrl(QStringLiteral("ws://203.0.113.7:7683")));
    QTRY_VERIFY2(app.window.statusText().startsWith(QStringLiteral("Parley sendet nichts "
                                                                   "unverschlüsselt an")),
                 qPrintable(app.window.statusText()));

    app::AboutDialog about;
    QCOMPARE(about.windowTitle(), QStringLiteral("Über Parley"));

    // Qt's standard buttons come from qtbase_de.qm.
    QDialogButtonBox buttons(QDialogButtonBox::Cancel);
    const QString cancel = buttons.button(QDialogButtonBox::Cancel)->text();
    if (systemHasQtGerman) {
        QVERIFY2(cancel.contains(QStringLiteral("Abbrechen")), qPrintable(cancel));
    } else {
        QVERIFY2(cancel.contains(QStringLiteral("Cancel")), qPrintable(cancel));
    }
}

QTEST_MAIN(TestTranslations)
#include "tst_translations.moc"

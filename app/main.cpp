// parley: the desktop app. Views only; the logic is in parley_core.

#include "app/commandline.h"
#include "app/mainwindow.h"
#include "app/singleinstance.h"
#include "app/translations.h"
#include "core/clientcore.h"
#include "core/viewmodels/connectionviewmodel.h"
#include "core/viewmodels/onboardingviewmodel.h"
#include "protocol/version.h"

#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QIcon>
#include <QStandardPaths>

#include <cstdio>
#include <optional>

using namespace parley;

namespace {

QString defaultProfileDir()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
           QStringLiteral("/profiles/default");
}

} // namespace

int main(int argc, char *argv[])
{
    // --help and --version are answered before QApplication exists: they must work on a
    // machine with no display at all.
    QStringList arguments;
    for (int i = 0; i < argc; ++i) {
        arguments << QString::fromLocal8Bit(argv[i]);
    }
    auto parsed = app::parseAppCommandLine(arguments);
    // The help and a bad command line are read by a person, so they are worth translating: a
    // QCoreApplication (it touches no window system) holds the translators, and the command
    // line is parsed again with them.
    const bool answersNow =
        std::holds_alternative<QString>(parsed) ||
        std::get<app::AppCommandLine>(parsed).action == app::AppCommandLine::Action::ShowHelp;
    std::optional<QCoreApplication> console;
    if (answersNow) {
        console.emplace(argc, argv);
        app::installTranslations(QLocale());
        parsed = app::parseAppCommandLine(arguments);
    }
    if (const auto *error = std::get_if<QString>(&parsed)) {
        std::fprintf(
            stderr, "parley: %s\n",
            qUtf8Printable(QCoreApplication::translate("main", "%1 (see --help)").arg(*error)));
        return 1;
    }
    const app::AppCommandLine &command = std::get<app::AppCommandLine>(parsed);
    if (command.action == app::AppCommandLine::Action::ShowHelp) {
        std::fputs(qUtf8Printable(command.helpText), stdout);
        return 0;
    }
    if (command.action == app::AppCommandLine::Action::ShowVersion) {
        std::printf("parley %s\n", kVersion);
        return 0;
    }

    QApplication application(argc, argv);
    QApplication::setApplicationName(QStringLiteral("parley"));
    QApplication::setApplicationDisplayName(QStringLiteral("Parley"));
    QApplication::setApplicationVersion(QString::fromLatin1(kVersion));
    QApplication::setOrganizationName(QStringLiteral("parley"));
    // The installed .desktop file and hicolor icon share this id (packaging/, resources/):
    // Wayland matches windows to the menu entry by it, and the window icon comes from the
    // icon theme (Windows and macOS take theirs from the executable and the bundle).
    QGuiApplication::setDesktopFileName(QStringLiteral("io.github.parley_im.Parley"));
    QApplication::setWindowIcon(QIcon::fromTheme(QStringLiteral("io.github.parley_im.Parley")));
    // Before any view exists: every tr() below is answered in the user's language
    // (LANGUAGE/LANG; CONTRIBUTING.md, "Translations").
    app::installTranslations(QLocale());

    const QString profileDir = QDir::cleanPath(
        QDir(command.profileDir.isEmpty() ? defaultProfileDir() : command.profileDir)
            .absolutePath());
    if (!QDir().mkpath(profileDir)) {
        std::fprintf(stderr, "parley: %s\n",
                     qUtf8Printable(QCoreApplication::translate(
                                        "main", "cannot create the profile directory %1")
                                        .arg(profileDir)));
        return 1;
    }
    QFile::setPermissions(profileDir,
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);

    // One instance per profile: a second one raises the first window and never opens the
    // database.
    app::SingleInstance instance(profileDir);
    switch (instance.claim()) {
    case app::SingleInstance::Outcome::Primary:
        break;
    case app::SingleInstance::Outcome::Secondary:
        std::fprintf(stderr, "parley: %s\n",
                     qUtf8Printable(QCoreApplication::translate(
                         "main", "this profile is already open; its window was raised")));
        return 0;
    case app::SingleInstance::Outcome::Failed:
        std::fprintf(stderr, "parley: %s\n", qUtf8Printable(instance.errorText()));
        return 1;
    }

    core::ClientCore clientCore;
    core::ConnectionViewModel connection(clientCore.relayConnection());
    // Onboarding creates or unlocks the profile; the profile stores its relay URL, and
    // --relay (given) replaces it and fills in the create form.
    core::OnboardingViewModel onboarding(&clientCore, profileDir);
    onboarding.setRelayUrlOverride(command.relayUrl);
    app::MainWindow window(&clientCore, &connection, &onboarding,
                           command.profileDir.isEmpty() ? QString()
                                                        : QFileInfo(profileDir).fileName());
    QObject::connect(&instance, &app::SingleInstance::raiseRequested, &window, [&window] {
        window.setWindowState((window.windowState() & ~Qt::WindowMinimized) | Qt::WindowActive);
        window.show();
        window.raise();
        window.activateWindow();
    });
    window.show();
    onboarding.start();
    return QApplication::exec();
}

#include "profilerunner.h"

#include "core/account/accountmanager.h"
#include "core/clientcore.h"
#include "core/store/profilesettings.h"
#include "core/store/profilestore.h"
#include "core/viewmodels/connectionviewmodel.h"
#include "core/viewmodels/onboardingviewmodel.h"
#include "sessioncommands.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QTimer>

#include <cstdio>
#include <memory>
#include <optional>

namespace parley::cli {

namespace {

using State = core::ConnectionStatus::State;
using OnboardingState = core::OnboardingViewModel::State;

bool isRefusal(core::ConnectionStatus::Error error)
{
    using Error = core::ConnectionStatus::Error;
    switch (error) {
    case Error::UsernameTaken:
    case Error::InvalidUsername:
    case Error::RegistrationClosed:
    case Error::InviteRequired:
    case Error::WrongRelay:
    case Error::AuthenticationFailed:
    case Error::TooManyAttempts:
    case Error::DeviceRemoved:
        return true;
    default:
        return false;
    }
}

// The commands of a batch, read one line at a time as they are needed (so a script can feed
// a pipe as it goes). Blank lines and lines starting with '#' are skipped.
class BatchSource
{
public:
    explicit BatchSource(const QString &path)
    {
        if (path.isEmpty() || path == u"-") {
            m_ok = m_file.open(stdin, QIODevice::ReadOnly);
        } else {
            m_file.setFileName(path);
            m_ok = m_file.open(QIODevice::ReadOnly);
        }
    }
    bool isOpen() const { return m_ok; }
    QString errorString() const { return m_file.errorString(); }
    int lineNumber() const { return m_line; }

    // The next command; nullopt at the end; a usage sentence for a bad line.
    std::optional<std::variant<CliCommand, QString>> next()
    {
        while (!m_file.atEnd()) {
            const QString line = QString::fromUtf8(m_file.readLine()).trimmed();
            ++m_line;
            if (line.isEmpty() || line.startsWith(u'#')) {
                continue;
            }
            auto words = splitCommandLine(line);
            if (const auto *error = std::get_if<QString>(&words)) {
                return std::variant<CliCommand, QString>(*error);
            }
            return parseCommand(std::get<QStringList>(words), true);
        }
        return std::nullopt;
    }

private:
    QFile m_file;
    bool m_ok = false;
    int m_line = 0;
};

// Deletes what ProfileStore keeps in `directory` (after delete-account), nothing else.
void removeProfileFiles(const QString &directory)
{
    const QDir dir(directory);
    const QString database = QString::fromLatin1(core::ProfileStore::kDatabaseFile);
    for (const QString &name :
         QStringList{QString::fromLatin1(core::ProfileStore::kVaultFile), database,
                     database + QStringLiteral("-wal"), database + QStringLiteral("-shm"),
                     QString::fromLatin1(core::ProfileSettings::kFileName)}) {
        QFile::remove(dir.filePath(name));
    }
    QDir(dir.filePath(QString::fromLatin1(core::ProfileStore::kAttachmentsDirectory)))
        .removeRecursively();
}

class Runner
{
public:
    Runner(const ProfileSettings &settings, const CliCommand &command)
        : m_settings(settings)
        , m_command(command)
        , m_output(settings.json || command.json)
        , m_connection(m_core.relayConnection())
        , m_onboarding(&m_core, settings.directory)
    {
        m_onboarding.setVaultParameters(settings.vault);
        if (settings.relayGiven) {
            m_onboarding.setRelayUrlOverride(settings.relayUrl);
        }
        QObject::connect(m_core.accountManager(), &core::AccountManager::statusChanged,
                         &m_onboarding,
                         [this](const core::AccountStatus &status) { m_account = status; });
        QObject::connect(&m_onboarding, &core::OnboardingViewModel::changed, &m_onboarding,
                         [this] { check(); });
        QObject::connect(&m_connection, &core::ConnectionViewModel::changed, &m_onboarding,
                         [this] { check(); });
        m_deadline.setSingleShot(true);
        QObject::connect(&m_deadline, &QTimer::timeout, &m_onboarding, [this] {
            fail(m_running ? QStringLiteral("%1 timed out").arg(CliCommand::word(m_running->name))
                           : QStringLiteral("timed out"));
            finish(kExitRelay);
        });
    }

    int run()
    {
        if (m_command.name == CliCommand::Name::Batch) {
            m_batch.emplace(m_command.arguments.value(0));
            if (!m_batch->isOpen()) {
                fail(QStringLiteral("cannot read the batch: %1").arg(m_batch->errorString()));
                return kExitUsage;
            }
        }
        m_onboarding.start(false);
        if (m_command.name == CliCommand::Name::Init) {
            if (m_onboarding.state() != OnboardingState::NoProfile) {
                fail(
                    QStringLiteral("%1 already holds a Parley profile.").arg(m_settings.directory));
                return kExitProfile;
            }
            m_onboarding.createProfile(m_command.arguments.value(0), m_settings.relayUrl.toString(),
                                       m_settings.passphrase, false, m_settings.relayName);
        } else {
            if (m_onboarding.state() != OnboardingState::Locked) {
                fail(QStringLiteral("There is no Parley profile in %1; create one with init.")
                         .arg(m_settings.directory));
                return kExitProfile;
            }
            m_onboarding.unlock(m_settings.passphrase, false);
        }
        m_deadline.start(m_settings.timeoutMs);
        QCoreApplication::exec();
        return m_exitCode;
    }

    bool deletedAccount() const { return m_deleted; }

private:
    void check()
    {
        if (m_finished) {
            return;
        }
        const auto state = m_onboarding.state();
        if (!m_ready && state == OnboardingState::Ready) {
            m_ready = true;
        }
        if (!m_ready) {
            if (state == OnboardingState::Failed ||
                (!m_onboarding.errorText().isEmpty() && state != OnboardingState::Working)) {
                fail(m_onboarding.errorText());
                const auto error = m_account.connectionError;
                finish(isRefusal(error)                               ? kExitRefused
                       : error != core::ConnectionStatus::Error::None ? kExitRelay
                                                                      : kExitProfile);
            }
            return;
        }
        const core::ConnectionStatus status = m_connection.status();
        if (m_connection.isConnected()) {
            if (!m_started) {
                m_started = true;
                start(status);
            }
            return;
        }
        // A reconnect during a command is the core's business (the outbox resends); a refusal
        // is final — except the relay closing the connection of an account it just deleted.
        const bool deleting = m_running && m_running->name == CliCommand::Name::DeleteAccount;
        if (status.state == State::Refused && !deleting) {
            fail(QStringLiteral("%1 (%2)").arg(m_connection.statusText(), status.errorDetail));
            finish(isRefusal(status.error) ? kExitRefused : kExitRelay);
        } else if (status.state == State::Waiting && !m_started) {
            fail(QStringLiteral("%1 (%2)").arg(m_connection.statusText(), status.errorDetail));
            finish(kExitRelay);
        }
    }

    void start(const core::ConnectionStatus &status)
    {
        if (m_command.name == CliCommand::Name::Init) {
            m_output.print(QStringLiteral("registered"),
                           {{QStringLiteral("device_address"), status.address},
                            {QStringLiteral("relay_url"), status.url.toString()}},
                           QStringLiteral("registered %1 relay %2")
                               .arg(status.address, status.url.toString()));
            finish(kExitOk);
            return;
        }
        if (m_command.name != CliCommand::Name::Batch) {
            runCommand(m_command);
            return;
        }
        nextInBatch();
    }

    void nextInBatch()
    {
        auto next = m_batch->next();
        if (!next) {
            finish(kExitOk);
            return;
        }
        if (const auto *error = std::get_if<QString>(&*next)) {
            fail(QStringLiteral("line %1: %2").arg(m_batch->lineNumber()).arg(*error));
            finish(kExitUsage);
            return;
        }
        CliCommand command = std::get<CliCommand>(*next);
        command.json = command.json || m_settings.json;
        runCommand(command);
    }

    void runCommand(const CliCommand &command)
    {
        m_running = command;
        m_deadline.start(m_settings.timeoutMs + command.waitSeconds * 1000);
        Output output(m_settings.json || command.json);
        // Deleted when it reports, which disconnects it from the core before the next one.
        auto *session = new SessionCommand(
            &m_core, m_connection.status(), command, output,
            [this](int exitCode) {
                m_current->deleteLater();
                m_current = nullptr;
                const auto name = m_running->name;
                m_running.reset();
                if (exitCode != kExitOk) {
                    if (m_batch) {
                        fail(QStringLiteral("stopped at line %1").arg(m_batch->lineNumber()));
                    }
                    finish(exitCode);
                } else if (name == CliCommand::Name::DeleteAccount) {
                    m_deleted = true;
                    finish(kExitOk);
                } else if (m_batch) {
                    nextInBatch();
                } else {
                    finish(kExitOk);
                }
            },
            &m_onboarding);
        m_current = session;
    }

    void finish(int exitCode)
    {
        if (m_finished) {
            return;
        }
        m_finished = true;
        m_exitCode = exitCode;
        m_deadline.stop();
        // Queued: a failure found before exec() runs (an invalid username, say) would
        // otherwise quit a loop that has not started, and exec() would never return.
        QMetaObject::invokeMethod(QCoreApplication::instance(), &QCoreApplication::quit,
                                  Qt::QueuedConnection);
    }

    ProfileSettings m_settings;
    CliCommand m_command;
    Output m_output;
    core::ClientCore m_core;
    core::ConnectionViewModel m_connection;
    core::OnboardingViewModel m_onboarding;
    core::AccountStatus m_account;
    std::optional<BatchSource> m_batch;
    std::optional<CliCommand> m_running;
    SessionCommand *m_current = nullptr;
    QTimer m_deadline;
    bool m_ready = false;
    bool m_started = false;
    bool m_finished = false;
    bool m_deleted = false;
    int m_exitCode = kExitRelay;
};

} // namespace

int runOnProfile(const ProfileSettings &settings, const CliCommand &command)
{
    bool deleted = false;
    int exitCode = kExitRelay;
    {
        Runner runner(settings, command);
        exitCode = runner.run();
        deleted = runner.deletedAccount();
    } // the core and the profile store are closed here
    if (deleted) {
        removeProfileFiles(settings.directory);
    }
    return exitCode;
}

} // namespace parley::cli

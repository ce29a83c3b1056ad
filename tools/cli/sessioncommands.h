#pragma once

// The commands that run on a signed-in, connected profile: add, send, reply, react, edit,
// delete, send-file, fetch-file, history, search, timer, recv, flush,
// contacts, block, unblock, blocked, requests, accept, delete-request, safety-number, verify,
// unverify, accept-key, delete-account, status. The verification commands run on core's
// VerificationViewModel, as the app's dialog does. Each runs on the core's SessionManager /
// AccountManager through queued calls and reports one exit code when done.

#include "clicommand.h"
#include "clioutput.h"

#include <QObject>

#include <functional>

namespace parley::core {
class ClientCore;
class VerificationViewModel;
struct ConnectionStatus;
} // namespace parley::core

namespace parley::cli {

class SessionCommand : public QObject
{
    Q_OBJECT

public:
    using Finished = std::function<void(int exitCode)>;

    // Starts `command` at once. `finished` is called exactly once (later, from the event loop)
    // with the command's exit code; the object may be deleted after that. Signal connections
    // live on this object, so deleting it disconnects the command from the core.
    SessionCommand(core::ClientCore *core, const core::ConnectionStatus &status, CliCommand command,
                   Output output, Finished finished, QObject *parent = nullptr);

private:
    void finish(int exitCode);
    // Runs `then` on the core's thread once, when what the relay held is processed (synced):
    // a group's command acts on its current membership (a removed member must not read it,
    // M1 §9.6), its timer and its other members' changes.
    void whenSynced(std::function<void()> then);
    void add();
    void send();
    void messageOp();
    void sendFile();
    void fetchFile();
    void history();
    // search TEXT (searchcommand.cpp): on the profile store, no relay traffic.
    void search();
    void timer();
    void recv();
    void flush();
    void contacts();
    // block, unblock, blocked, requests, accept, delete-request (protocol M1 §8).
    void requests();
    void verification();
    void onVerificationChanged();
    void printSafetyNumber();
    void deleteAccount();
    // groupcommands.cpp: group list|create|add|remove|leave|rename|admin (protocol M1 §9).
    void group();

    core::ClientCore *m_core;
    QString m_deviceAddress; // user@relay/device
    CliCommand m_command;
    Output m_output;
    Finished m_finished;
    bool m_done = false;
    core::VerificationViewModel *m_verification = nullptr;
    bool m_verificationSent = false; // the command's change was asked of the core
};

} // namespace parley::cli

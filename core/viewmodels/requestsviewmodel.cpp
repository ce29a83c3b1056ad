#include "core/viewmodels/requestsviewmodel.h"

#include "core/session/sessionmanager.h"

#include <QMetaObject>

namespace parley::core {

RequestsViewModel::RequestsViewModel(SessionManager *sessions, QObject *parent)
    : QObject(parent)
    , m_sessions(sessions)
{
    if (m_sessions == nullptr) {
        return;
    }
    const auto queued = Qt::QueuedConnection;
    connect(
        m_sessions, &SessionManager::requestAccepted, this,
        [this](const QString &address) {
            setError({});
            emit requestAccepted(address);
        },
        queued);
    connect(
        m_sessions, &SessionManager::requestDeleted, this,
        [this](const QString &address) {
            setError({});
            emit requestDeleted(address);
        },
        queued);
    connect(
        m_sessions, &SessionManager::blockedChanged, this, [this] { reloadBlocked(); }, queued);
    connect(
        m_sessions, &SessionManager::blockedListed, this,
        [this](const QStringList &addresses) {
            QStringList sorted = addresses;
            sorted.sort();
            if (sorted != m_blocked) {
                m_blocked = sorted;
                emit blockedChanged();
            }
        },
        queued);
    // Failures of other view models' commands reach us too: only ours are shown here.
    connect(
        m_sessions, &SessionManager::commandFailed, this,
        [this](const QString &contact, const QString &sentence) {
            if (answersPending(contact)) {
                m_pending.clear();
                setError(sentence);
            }
        },
        queued);
    reloadBlocked();
}

RequestsViewModel::~RequestsViewModel() = default;

bool RequestsViewModel::start(const QString &address,
                              void (*command)(SessionManager *, const QString &))
{
    const QString input = address.trimmed();
    if (m_sessions == nullptr || input.isEmpty()) {
        setError(m_sessions == nullptr ? tr("The profile is not open.")
                                       : tr("Type a username or user@relay."));
        return false;
    }
    setError({});
    m_pending = input;
    SessionManager *sessions = m_sessions;
    QMetaObject::invokeMethod(
        sessions, [sessions, input, command] { command(sessions, input); }, Qt::QueuedConnection);
    return true;
}

bool RequestsViewModel::answersPending(const QString &address) const
{
    // The SessionManager answers with the input as typed (when it is not a valid username)
    // or with the resolved user@relay; usernames are case-insensitive (C1 §1.1).
    if (m_pending.isEmpty()) {
        return false;
    }
    if (address.compare(m_pending, Qt::CaseInsensitive) == 0) {
        return true;
    }
    return !m_pending.contains(u'@') &&
           address.section(u'@', 0, 0).compare(m_pending, Qt::CaseInsensitive) == 0;
}

bool RequestsViewModel::accept(const QString &address)
{
    return start(address, [](SessionManager *sessions, const QString &input) {
        sessions->acceptRequest(input);
    });
}

bool RequestsViewModel::deleteRequest(const QString &address)
{
    return start(address, [](SessionManager *sessions, const QString &input) {
        sessions->deleteRequest(input);
    });
}

bool RequestsViewModel::block(const QString &address)
{
    return start(address, [](SessionManager *sessions, const QString &input) {
        sessions->setBlocked(input, true);
    });
}

bool RequestsViewModel::unblock(const QString &address)
{
    return start(address, [](SessionManager *sessions, const QString &input) {
        sessions->setBlocked(input, false);
    });
}

bool RequestsViewModel::isBlocked(const QString &address) const
{
    return m_blocked.contains(address, Qt::CaseInsensitive);
}

void RequestsViewModel::clearError()
{
    setError({});
}

void RequestsViewModel::reloadBlocked()
{
    SessionManager *sessions = m_sessions;
    QMetaObject::invokeMethod(
        sessions, [sessions] { sessions->listBlocked(); }, Qt::QueuedConnection);
}

void RequestsViewModel::setError(const QString &sentence)
{
    if (sentence != m_errorText) {
        m_errorText = sentence;
        emit errorTextChanged();
    }
}

} // namespace parley::core

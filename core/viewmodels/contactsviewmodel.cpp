#include "core/viewmodels/contactsviewmodel.h"

#include "core/models/contactlistmodel.h"
#include "core/session/sessionmanager.h"

#include <QMetaObject>

namespace parley::core {

ContactsViewModel::ContactsViewModel(std::shared_ptr<ProfileStore> store, SessionManager *sessions,
                                     QObject *parent)
    : QObject(parent)
    , m_sessions(sessions)
    , m_model(new ContactListModel(std::move(store), this))
{
    if (m_sessions != nullptr) {
        m_model->follow(m_sessions);
        const auto queued = Qt::QueuedConnection;
        connect(
            m_sessions, &SessionManager::contactReady, this,
            [this](const QString &address) {
                if (answersPending(address)) {
                    m_lastAdded = address;
                    finish({});
                    emit contactAdded(address);
                }
            },
            queued);
        connect(
            m_sessions, &SessionManager::commandFailed, this,
            [this](const QString &contact, const QString &sentence) {
                if (answersPending(contact)) {
                    finish(sentence);
                }
            },
            queued);
    }
    m_model->reload();
}

ContactsViewModel::~ContactsViewModel() = default;

QAbstractItemModel *ContactsViewModel::contacts() const
{
    return m_model;
}

bool ContactsViewModel::addContact(const QString &username)
{
    if (isBusy()) {
        return false;
    }
    const QString input = username.trimmed();
    if (input.isEmpty()) {
        finish(tr("Type the username of the person you want to add."));
        return false;
    }
    if (m_sessions == nullptr) {
        finish(tr("The profile is not open."));
        return false;
    }
    m_pending = input;
    if (!m_errorText.isEmpty()) {
        m_errorText.clear();
        emit errorTextChanged();
    }
    emit busyChanged();
    SessionManager *sessions = m_sessions;
    QMetaObject::invokeMethod(
        sessions, [sessions, input] { sessions->addContact(input); }, Qt::QueuedConnection);
    return true;
}

void ContactsViewModel::clearError()
{
    if (!m_errorText.isEmpty()) {
        m_errorText.clear();
        emit errorTextChanged();
    }
}

bool ContactsViewModel::answersPending(const QString &address) const
{
    if (m_pending.isEmpty()) {
        return false;
    }
    // The SessionManager answers with the input as typed (when it is not a valid username)
    // or with the resolved user@relay; usernames are case-insensitive (C1 §1.1).
    if (address.compare(m_pending, Qt::CaseInsensitive) == 0) {
        return true;
    }
    return !m_pending.contains(u'@') &&
           address.section(u'@', 0, 0).compare(m_pending, Qt::CaseInsensitive) == 0;
}

void ContactsViewModel::finish(const QString &error)
{
    const bool wasBusy = isBusy();
    m_pending.clear();
    if (error != m_errorText) {
        m_errorText = error;
        emit errorTextChanged();
    }
    if (wasBusy) {
        emit busyChanged();
    }
}

} // namespace parley::core

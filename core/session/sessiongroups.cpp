// SessionManager's groups (protocol M1 §9): membership changes made here and received ones.
// The database-thread halves are grouppipeline.cpp. Kept apart from sessionmanager.cpp.

#include "core/account/accountmanager.h"
#include "core/session/groupdevices.h"
#include "core/session/groupowed.h"
#include "core/session/grouppipeline.h"
#include "core/session/grouptextpipeline.h"
#include "core/session/sessionmanager.h"
#include "core/store/conversationkey.h"
#include "core/store/profilestore.h"

#include <QDateTime>
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcSession)

namespace parley::core {

namespace {

GroupSummary summaryOf(const GroupState &state, const QString &self)
{
    GroupSummary summary;
    summary.id = state.groupId;
    summary.name = state.name;
    summary.epoch = state.epoch;
    for (const GroupMember &member : state.members) {
        summary.members << member.address;
        if (member.admin) {
            summary.admins << member.address;
        }
    }
    summary.member = summary.members.contains(self);
    return summary;
}

} // namespace

void SessionManager::changeGroup(int op, const QByteArray &groupId, const QString &name,
                                 const QStringList &members, const QString &requestName)
{
    const auto fail = [this, groupId, requestName](const QString &sentence) {
        failGroupChange(requestName, groupId, sentence);
    };
    if (op < int(GroupOp::Create) || op > int(GroupOp::GrantAdmin)) {
        fail(tr("Unknown group operation."));
        return;
    }
    GroupRequest request;
    request.op = GroupOp(op);
    request.groupId = groupId;
    request.name = name;
    for (const QString &member : members) {
        const QString address = resolve(member);
        if (address.isEmpty()) {
            fail(tr("%1 is not a valid username.").arg(member));
            return;
        }
        request.members << address;
    }
    submitGroupRequest(request, requestName);
}

void SessionManager::failGroupChange(const QString &requestName, const QByteArray &groupId,
                                     const QString &sentence)
{
    // Every failure names the group (and the caller's request): a GroupViewModel answers
    // only for its own command.
    const QString key = groupId.isEmpty() ? QString() : groupConversationKey(groupId);
    emit groupChangeFailed(requestName, key, sentence);
    emit commandFailed(key, sentence);
}

void SessionManager::submitGroupRequest(const GroupRequest &request, const QString &requestName,
                                        bool automatic)
{
    const auto fail = [this, groupId = request.groupId, requestName,
                       automatic](const QString &sentence) {
        if (automatic) {
            // Nobody asked for it now: a log line, no sentence in a view.
            qCInfo(lcSession) << "an automatic group change was refused:" << sentence;
            return;
        }
        failGroupChange(requestName, groupId, sentence);
    };
    enqueue([this, request, automatic, fail](std::function<void()> next) {
        runGroupRequest(request, automatic, fail, next);
    });
}

void SessionManager::runGroupRequest(const GroupRequest &request, bool automatic,
                                     const std::function<void(const QString &)> &fail,
                                     const std::function<void()> &next)
{
    const auto store = m_account->store();
    const auto self = m_account->device();
    if (!store || !self) {
        fail(tr("The profile is not open.")); // closed while the command waited its turn
        next();
        return;
    }
    const QString selfAddress = m_account->status().accountAddress;
    // Made by ourselves: `by` empty, so that it answers no command (groupChanged).
    const QString by = automatic ? QString() : selfAddress;
    // M1 §9.9: a group we create starts with the profile's default timer, as a 1:1
    // conversation we start does.
    const quint32 defaultTimer = request.op == GroupOp::Create ? defaultTimerSeconds() : 0;
    // Every member gets the change, contact or not (M1 §9.11): sessions first. A create's
    // members are contacts, with sessions already.
    const auto reach = [this, groupId = request.groupId,
                        create = request.op == GroupOp::Create](std::function<void()> then) {
        create ? then() : reachMembers(groupId, std::move(then));
    };
    reach([this, store, self, request, defaultTimer, selfAddress, by, fail, next] {
        whenDone(store->run([self, request, defaultTimer](StoreContext &context) {
            return sendGroupChangeWithTimer(context, *self, request, defaultTimer,
                                            QDateTime::currentMSecsSinceEpoch());
        }),
                 [this, next, selfAddress, by, fail](const StoreResult<SentGroupChange> &sent) {
                     if (const auto *error = std::get_if<StoreError>(&sent)) {
                         fail(error->detail.isEmpty() ? error->message() : error->detail);
                         next();
                         return;
                     }
                     const auto &done = std::get<SentGroupChange>(sent);
                     for (const QString &address : done.unreached) {
                         qCWarning(lcSession)
                             << "group change not sent to" << address << "(no session)";
                     }
                     if (done.made.update.after) {
                         emit groupChanged(summaryOf(*done.made.update.after, selfAddress), by,
                                           int(done.made.update.outcome));
                         if (done.timer) {
                             const QString key =
                                 groupConversationKey(done.made.update.after->groupId);
                             emit messageQueued(key, done.timer->clientMessageId);
                             emit conversationTimerChanged(key, int(done.timer->timerSeconds));
                         }
                     }
                     if (!done.outbox.empty()) {
                         flushOutbox();
                     }
                     next();
                 });
    });
}

void SessionManager::listThisDevice()
{
    const auto store = m_account->store();
    const auto self = m_account->device();
    const QString selfAddress = m_account->status().accountAddress;
    if (!store || !self || selfAddress.isEmpty() || m_refreshRunning.contains(selfAddress)) {
        return;
    }
    m_refreshRunning.insert(selfAddress);
    whenDone(store->run([self](StoreContext &context) { return selfListings(context, *self); }),
             [this, selfAddress](const StoreResult<std::vector<SelfListing>> &found) {
                 const auto *listings = std::get_if<std::vector<SelfListing>>(&found);
                 if (listings == nullptr || listings->empty()) {
                     refreshEnded(selfAddress);
                     return;
                 }
                 std::vector<MemberToReach> members;
                 const auto addOnce = [&members](const std::vector<MemberToReach> &more) {
                     for (const MemberToReach &member : more) {
                         if (std::none_of(members.begin(), members.end(), [&](const auto &m) {
                                 return m.address == member.address;
                             })) {
                             members.push_back(member);
                         }
                     }
                 };
                 for (const SelfListing &listing : *listings) {
                     addOnce(listing.contacts);
                     addOnce(listing.others);
                 }
                 // Made only where every contact can be reached now: the change is stored when
                 // made, and a member it missed would refuse this device for good. The others
                 // wait for the next connection.
                 ensureSessionsInTurn(members, [this, selfAddress,
                                                listings = *listings](const QStringList &failed) {
                     std::vector<GroupRequest> requests;
                     for (const SelfListing &listing : listings) {
                         const bool reachable = std::none_of(
                             listing.contacts.begin(), listing.contacts.end(),
                             [&](const MemberToReach &m) { return failed.contains(m.address); });
                         if (reachable) {
                             requests.push_back(listing.request);
                         }
                     }
                     qCInfo(lcSession) << "listing this device in" << requests.size() << "of"
                                       << listings.size() << "group(s) (M1 §9.7)";
                     runGroupRequestsInTurn(requests,
                                            [this, selfAddress] { refreshEnded(selfAddress); });
                 });
             });
}

void SessionManager::runGroupRequestsInTurn(std::vector<GroupRequest> requests,
                                            std::function<void()> then)
{
    if (requests.empty()) {
        then();
        return;
    }
    const GroupRequest request = requests.front();
    requests.erase(requests.begin());
    runGroupRequest(
        request, true,
        [](const QString &sentence) {
            qCInfo(lcSession) << "an automatic group change was refused:" << sentence;
        },
        [this, requests, then] { runGroupRequestsInTurn(requests, then); });
}

void SessionManager::ensureSessionsInTurn(std::vector<MemberToReach> members,
                                          std::function<void(const QStringList &failed)> then,
                                          QStringList failed)
{
    if (members.empty()) {
        then(failed);
        return;
    }
    const MemberToReach member = members.front();
    members.erase(members.begin());
    ensureSessions(
        member.address,
        [this, member, members, then, failed](const QString &error) mutable {
            if (!error.isEmpty()) {
                qCInfo(lcSession) << "no session with" << member.address << ":" << error;
                failed << member.address;
            }
            ensureSessionsInTurn(std::move(members), then, failed);
        },
        member.accountKey);
}

void SessionManager::reachMembers(const QByteArray &groupId, std::function<void()> then)
{
    const auto store = m_account->store();
    if (!store) {
        then(); // closed meanwhile: `then` finds out and says so
        return;
    }
    const QString selfAddress = m_account->status().accountAddress;
    whenDone(store->run([groupId, selfAddress](StoreContext &context) {
        return membersToReach(context, groupId, selfAddress);
    }),
             [this, then](const StoreResult<std::vector<MemberToReach>> &found) {
                 const auto *listed = std::get_if<std::vector<MemberToReach>>(&found);
                 // An account the relay just said is gone is not looked up again at every send.
                 const qint64 now = QDateTime::currentMSecsSinceEpoch();
                 std::vector<MemberToReach> members;
                 for (const MemberToReach &member :
                      listed ? *listed : std::vector<MemberToReach>()) {
                     if (m_noSuchUser.value(member.address, 0) <= now - kNoSuchUserRetryMs) {
                         members.push_back(member);
                     }
                 }
                 if (members.empty()) {
                     then();
                     return;
                 }
                 ensureSessionsInTurn(members, [then](const QStringList &) { then(); });
             });
}

void SessionManager::announceGroupChanges(const std::vector<SentGroupChange> &changes)
{
    const QString selfAddress = m_account->status().accountAddress;
    for (const SentGroupChange &made : changes) {
        if (made.made.update.after) {
            emit groupChanged(summaryOf(*made.made.update.after, selfAddress), QString(),
                              int(made.made.update.outcome));
        }
    }
}

void SessionManager::listGroups()
{
    // A command, after running device list refreshes: it lists what the commands queued
    // before it and the refreshes (a member's devices, M1 §9.7) changed.
    enqueue([this](std::function<void()> next) {
        whenRefreshed([this, next] {
            const auto store = m_account->store();
            if (!store) {
                emit groupsListed({});
                next();
                return;
            }
            const QString selfAddress = m_account->status().accountAddress;
            whenDone(
                store->run([](StoreContext &context) { return parley::core::listGroups(context); }),
                [this, selfAddress, next](const StoreResult<std::vector<GroupState>> &found) {
                    QList<GroupSummary> groups;
                    if (const auto *list = std::get_if<std::vector<GroupState>>(&found)) {
                        for (const GroupState &state : *list) {
                            groups.append(summaryOf(state, selfAddress));
                        }
                    }
                    emit groupsListed(groups);
                    next();
                });
        });
    });
}

void SessionManager::sendToGroupInTurn(const QByteArray &groupId, GroupSendJob job,
                                       std::function<void(const SentGroupText &)> sent)
{
    const QString key = groupConversationKey(groupId);
    const auto store = m_account->store();
    const auto self = m_account->device();
    if (!store || !self) {
        emit commandFailed(key, tr("The profile is not open."));
        return;
    }
    enqueue([this, groupId, store, self, key, job, sent](std::function<void()> next) {
        // After running device list refreshes: a member's new device gets a session first,
        // and so does a member who is no contact (M1 §9.11).
        whenRefreshed([this, groupId, store, self, key, job, sent, next] {
            reachMembers(groupId, [this, groupId, store, self, key, job, sent, next] {
                whenDone(store->run([self, groupId, job](StoreContext &context) {
                    const qint64 now = QDateTime::currentMSecsSinceEpoch();
                    // What the group owes a member with a session goes first (M1 §9.11), so
                    // that nothing of ours reaches it before what it missed.
                    if (auto paid =
                            parley::core::payOwedGroupContents(context, *self, groupId, now);
                        const auto *error = std::get_if<StoreError>(&paid)) {
                        qCWarning(lcSession) << "owed group contents not sent:" << error->detail;
                    }
                    return job(context, *self, now);
                }),
                         [this, next, key, sent](const StoreResult<SentGroupText> &result) {
                             if (const auto *error = std::get_if<StoreError>(&result)) {
                                 // Named by the group's conversation key: its chat shows the
                                 // sentence.
                                 emit commandFailed(key, error->detail.isEmpty() ? error->message()
                                                                                 : error->detail);
                                 flushOutbox(); // owed contents paid before it failed
                                 next();
                                 return;
                             }
                             sent(std::get<SentGroupText>(result));
                             flushOutbox();
                             next();
                         });
            });
        });
    });
}

void SessionManager::reportGroupText(const SentGroupText &done)
{
    // The group's conversation (schema v14) is followed like a 1:1 one.
    emit messageQueued(groupConversationKey(done.record.groupId), done.record.clientMessageId);
    scheduleSweep(done.record.expiresAt); // the group's timer (M1 §9.9)
    emit groupTextSent(done.record, int(done.recipients.size()), done.unreached);
}

void SessionManager::sendGroupText(const QByteArray &groupId, const QString &text)
{
    sendToGroupInTurn(
        groupId,
        [groupId, text](StoreContext &context, const crypto::DeviceIdentity &self, qint64 now) {
            return parley::core::sendGroupText(context, self, groupId, text, now);
        },
        [this](const SentGroupText &done) { reportGroupText(done); });
}

void SessionManager::setGroupTimer(const QByteArray &groupId, quint32 seconds)
{
    sendToGroupInTurn(
        groupId,
        [groupId, seconds](StoreContext &context, const crypto::DeviceIdentity &self, qint64 now) {
            return parley::core::sendGroupTimer(context, self, groupId, seconds, now);
        },
        [this, key = groupConversationKey(groupId), seconds](const SentGroupText &done) {
            // Our system row, followed like a text; the timer is ours at once.
            emit messageQueued(key, done.record.clientMessageId);
            emit conversationTimerChanged(key, int(seconds));
        });
}

void SessionManager::sendGroupMessageOp(const QByteArray &groupId, const MessageContent &content)
{
    const QString key = groupConversationKey(groupId);
    if (content.kind != MessageContent::Kind::Reply &&
        content.kind != MessageContent::Kind::Reaction &&
        content.kind != MessageContent::Kind::Edit &&
        content.kind != MessageContent::Kind::Delete) {
        emit commandFailed(key, tr("This is not possible in a group yet."));
        return;
    }
    if (content.targetId.size() != kClientMessageIdBytes) {
        emit commandFailed(key, tr("A message id has %1 bytes (%2 hexadecimal digits).")
                                    .arg(kClientMessageIdBytes)
                                    .arg(2 * kClientMessageIdBytes));
        return;
    }
    sendToGroupInTurn(
        groupId,
        [groupId, content](StoreContext &context, const crypto::DeviceIdentity &self, qint64 now) {
            return parley::core::sendGroupOp(context, self, groupId, content, now);
        },
        [this, key, content](const SentGroupText &done) {
            if (content.kind == MessageContent::Kind::Reply) {
                reportGroupText(done); // a reply is a message of ours (M1 §10)
                return;
            }
            emit messageOpQueued(key, content.targetId, int(content.kind));
            if (done.changed) {
                emit messageChanged(key, done.changed->clientMessageId,
                                    int(done.changed->direction));
            }
        });
}

void SessionManager::loadGroupHistory(const QByteArray &groupId)
{
    const auto store = m_account->store();
    if (!store) {
        emit groupHistoryLoaded(groupId, {});
        return;
    }
    whenDone(
        store->run([groupId](StoreContext &context) { return groupHistory(context, groupId); }),
        [this, groupId](const StoreResult<std::vector<GroupMessageRecord>> &found) {
            QList<GroupMessageRecord> texts;
            if (const auto *list = std::get_if<std::vector<GroupMessageRecord>>(&found)) {
                texts = QList<GroupMessageRecord>(list->begin(), list->end());
            }
            emit groupHistoryLoaded(groupId, texts);
        });
}

void SessionManager::handleGroupUpdate(const InboundResult &result)
{
    if (!result.group) {
        return;
    }
    const GroupUpdate &update = *result.group;
    switch (update.outcome) {
    case GroupUpdate::Outcome::Rejected:
        qCInfo(lcSession) << "rejected a group change from" << result.contact << ":"
                          << (update.error ? describe(*update.error) : "");
        emit groupChangeRejected(result.contact, update.error
                                                     ? QString::fromLatin1(describe(*update.error))
                                                     : QString());
        break;
    case GroupUpdate::Outcome::Known:
        break;
    case GroupUpdate::Outcome::Applied:
    case GroupUpdate::Outcome::Pending:
    case GroupUpdate::Outcome::Superseded: {
        GroupSummary summary;
        if (update.after) {
            summary = summaryOf(*update.after, m_account->status().accountAddress);
        } else {
            summary.id = update.groupId;
        }
        emit groupChanged(summary, result.contact, int(update.outcome));
        // A member's devices listed anew (M1 §9.7): sessions with its new devices before our
        // next text (sendGroupText waits for running refreshes).
        if (update.before && update.after && update.outcome == GroupUpdate::Outcome::Applied) {
            const QString selfAddress = m_account->status().accountAddress;
            for (const GroupMember &member : update.after->members) {
                const GroupMember *was = update.before->member(member.address);
                if (member.address != selfAddress && was != nullptr &&
                    was->devices != member.devices) {
                    refreshDevicesOnce(member.address);
                }
            }
        }
        // What we changed and lost to a higher-ranked admin's concurrent change (M1 §9.5) is
        // made again on the new head, where it is still to do.
        for (const GroupRequest &request : update.makeAgain) {
            qCInfo(lcSession) << "making our group change (op" << int(request.op)
                              << ") again on the new head";
            submitGroupRequest(request, {}, true);
        }
        break;
    }
    }
}

} // namespace parley::core

#pragma once

#include "core/async/whenfinished.h"
#include "core/net/relayconnection.h"
#include "core/session/messagepipeline.h"
#include "core/store/messagedetails.h"
#include "core/store/uploadtable.h"
#include "crypto/keytypes.h"

#include <QByteArray>
#include <QFuture>
#include <QHash>
#include <QIODevice>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QTimer>

#include <deque>
#include <functional>
#include <memory>

namespace parley::crypto {
struct DeviceList;
class DeviceIdentity;
class SessionResetRateLimiter;
} // namespace parley::crypto

namespace parley::core {

class AccountManager;
class BlobUpload;
class ProfileStore;
struct GroupRequest;
struct MemberToReach;
struct SentGroupChange;
struct SentGroupText;

// A message as the core reports it to view models and parley-cli. Plain data.
struct ChatMessage
{
    QString conversation; // the contact's account address
    QString from;         // the sender's device address (the contact's, for incoming)
    QByteArray clientMessageId;
    QString text;      // empty when undecryptable
    qint64 sentAt = 0; // ms since the epoch, the sender's clock
    MessageRecord::State state = MessageRecord::State::Received;
    // Set when this message replaced an undecryptable row in place (a resend after a session
    // reset): that row's former client_message_id. A view updates that row, adds none.
    QByteArray replaces;
    QByteArray replyTo;   // a reply (M1 §5): the client_message_id it quotes; else empty
    bool deleted = false; // deleted for everyone by an op that arrived before it (M1 §5.2)
    qint64 expiresAt = 0; // disappearing (M1 §6): when the sweep deletes it (ms); 0 = never
    // A timer change's system row (M1 §6): the timer it set in seconds (0: off); else -1.
    qint64 timerChange = -1;
    // An attachment message (M1 kind 0x0B): its file's metadata; fetchAttachment() gets it.
    std::optional<AttachmentSummary> attachment;
    bool request = false; // from a message request's sender: nothing was sent back (M1 §8)
};

// What a verification view needs about one contact (describeContact()). Plain data.
struct ContactKeys
{
    QString address; // the contact's account address
    QString error;   // a sentence when the rest is unset
    bool verified = false;
    bool keyChanged = false; // a key change waits for acceptKeyChange()
    qint64 keyChangedAt = 0; // ms since the epoch of the last change seen; 0 = never
    // C6 over our account key and the contact's key — the PENDING one while a change waits,
    // so the user compares the number of the key they are asked to accept.
    QString digits;    // 60 digits, no spaces
    QByteArray local;  // our scannable fingerprint (32 bytes)
    QByteArray remote; // our fingerprint of the peer (32 bytes)
};

// A contact as listContacts() reports it. Plain data.
struct ContactSummary
{
    QString address;     // user@relay
    QString displayName; // empty when none was given
    bool verified = false;
    bool keyChanged = false; // a key change waits for acceptKeyChange() (stored, pending)
    bool blocked = false;    // their messages are dropped on arrival (M1 §8)
};

// A group as listGroups() and groupChanged() report it (protocol M1 §9). Plain data.
struct GroupSummary
{
    QByteArray id; // 16 bytes; shown as 32 hex digits
    QString name;
    quint32 epoch = 0;
    QStringList members; // account addresses, sorted
    QStringList admins;
    bool member = false; // we are a member (false once we left or were removed)
};

// 1:1 messaging on the core thread, next to the AccountManager whose identity and profile
// store it uses (docs/architecture.md, "Messaging"). Contacts are added by username on our
// own relay: LookupUser gives the account key (pinned on first use) and the signed device
// list; a prekey bundle per device, verified, gives an X3DH session (we are the initiator and
// attach the initial message header until the peer replies). Every content — text, delivery
// and read receipts, typing — is encrypted by the ratchet of each peer device and sealed
// (C3), in one store transaction with the advanced chain (messagepipeline.h):
//
//  - send:    text → message row (Queued) + outbox entry (final envelope) + session, one
//             transaction; then Send with the outbox entry's client_message_id until the
//             relay answers OK (Sent). Retries after reconnects and restarts resend the
//             identical bytes (R2 §5 dedup). Receipts use the outbox too; typing is sent
//             once, ephemeral, but its chain step is persisted first.
//  - receive: each Deliver item → receiveEnvelope (hash check before any decryption, open,
//             decrypt, store with the session and the hash in one transaction) → Ack of the
//             row only after that commit. A new text is answered with a delivery receipt.
//
// Identity keys are pinned (docs/architecture.md, "Key changes"). A contact whose account key
// no longer matches (LookupUser, or a sealed envelope's certificate, which covers initial
// messages) gets the new key recorded as PENDING in the store with the time (it survives a
// restart), is reported by keyChanged() and listed in changedKeys() — a key seen only in an
// envelope once the relay's LookupUser confirms it (anyone can seal a certificate naming any
// address; a change the relay does not vouch for is dismissed). Its envelopes are held,
// not dropped, and its outbox entries (sealed to the old identity) are never sent. A VERIFIED
// contact stays so until the user calls acceptKeyChange(); sending to it fails with a
// sentence. An UNVERIFIED contact's change is accepted automatically (keyChanged() is the
// notice; contacts.key_changed_at keeps it). Accepting pins the new key, clears verified,
// deletes the old sessions, replays the held envelopes, sets up sessions with the new
// identity and encrypts every unconfirmed outgoing text again under its original id.
//
// Session resets (protocol C2a): a message from a known contact that does not decrypt is kept
// as an undecryptable row and named in a reset request (at most one per peer device per 10
// minutes; later failures go into the next one). A request from a peer is checked against the
// names of what we sent on the current session; if accepted, we fetch a fresh bundle, run
// X3DH as initiator and resend the named texts (M1 kind 0x05), which replace the peer's
// undecryptable rows.
//
// Call the slots with QMetaObject::invokeMethod (queued); connect to the signals.
class SessionManager : public QObject
{
    Q_OBJECT

public:
    static constexpr int kRetryIntervalMs = 5'000;
    // FetchBundle answered NOT_FOUND (a device without its first prekeys yet): asked again.
    static constexpr int kBundleRetries = 3;
    static constexpr int kBundleRetryMs = 250;
    // The sweep runs at the next expiry (M1 §6.4); a timer armed for a later expiry fires
    // after this long at most and re-arms itself, so a clock change cannot delay it much.
    static constexpr int kMaxSweepIntervalMs = 60'000;

    SessionManager(RelayConnection *connection, AccountManager *account, QObject *parent = nullptr);
    ~SessionManager() override;

    // Contacts with a key change not yet accepted (loaded from the store on connection).
    QSet<QString> changedKeys() const { return m_changedKeys; }

public slots:
    // `contact` is a username on our relay or a full "user@relay". Emits contactReady() or
    // commandFailed().
    void addContact(const QString &contact);
    // Adds the contact first if needed. Emits messageQueued() once the message is stored
    // (state Queued), then messageStateChanged() as it is sent, delivered and read. The
    // first text to an address without a conversation is preceded by the profile's
    // disappearing-messages default, if one is set (applyDefaultTimer); if that change cannot
    // be sent, the text is not sent either (commandFailed()).
    void sendText(const QString &contact, const QString &text);
    // The disappearing-messages default for conversations started from now on (seconds, 0:
    // off). Read from ProfileSettings once per opened profile; Settings calls this when the
    // user changes it, so the send path does not read profile.ini.
    void setDefaultTimerSeconds(quint32 seconds);
    void sendTyping(const QString &contact, bool typing);
    // Replies, reactions, edits and deletion for everyone (protocol M1 §5). `target` is the
    // client_message_id (16 bytes) of a message in the conversation with `contact`. A reply is
    // a text (messageQueued(), states as sendText); the others change the target on our side
    // at once (messageChanged()) and are sent durably. Only our own messages may be edited or
    // deleted; an emoji is 1 … kMaxReactionBytes bytes. Errors: commandFailed() with a sentence.
    // In a group (`contact` a group's conversation key) they go to every member (M1 §10);
    // `targetAuthor` names the account address of the target's author, since members may
    // share a client_message_id. Empty: our own message with that id, else the one member's
    // (commandFailed() when several members have one). Ignored in 1:1.
    void sendReply(const QString &contact, const QByteArray &target, const QString &text,
                   const QString &targetAuthor = {});
    void react(const QString &contact, const QByteArray &target, const QString &emoji,
               const QString &targetAuthor = {});
    void unreact(const QString &contact, const QByteArray &target,
                 const QString &targetAuthor = {});
    void editMessage(const QString &contact, const QByteArray &target, const QString &text);
    void deleteForEveryone(const QString &contact, const QByteArray &target);
    // Disappearing messages (protocol M1 §6): sets the timer of the conversation with
    // `contact` to `seconds` (0: off; else kMinTimerSeconds … kMaxTimerSeconds) here at once
    // and sends the change (a timer content, durable). Emits messageQueued() for its system
    // row and conversationTimerChanged(); commandFailed() with a sentence otherwise.
    void setDisappearingTimer(const QString &contact, quint32 seconds);
    // Deletes the messages whose time is up (sweepExpired(), database thread), emits
    // messagesExpired() per conversation, and arms the sweep timer for the next expiry (at
    // the latest kMaxSweepIntervalMs later). Runs by itself on sign-in (unlock) and then by
    // its timer; a message stored with an expiry re-arms the timer if it is due sooner.
    void sweepExpired();
    // Attachments (M1 kind 0x0B; docs/architecture.md "Attachments"). sendFile() encrypts the
    // file into the profile's attachments/ folder (streaming, bounded memory), uploads it as
    // a blob — resumed from the relay's offset after a lost connection — reporting
    // attachmentProgress(), then sends the attachment message like a text (messageQueued(),
    // the same states). `clientMessageId` of every attachment signal is that message's id,
    // chosen before the upload (by the caller, or a new one when it passes none). A file the
    // relay refuses gives attachmentFailed(). The upload is kept in the profile (UploadTable)
    // until its message is stored, so one cut off by a restart or a crash goes on from the
    // relay's offset on the next sign-in; outboxDrained() waits for it. `contact` may be a
    // group's conversation key: the file goes to every member like a group text (M1 §9.10),
    // once its membership allows it.
    // sendFileData() sends prepared bytes (an image without its metadata, media/) under
    // `fileName`, with an optional thumbnail of at most kMaxThumbnailBytes.
    void sendFile(const QString &contact, const QString &path, const QString &caption,
                  const QByteArray &clientMessageId = {});
    void sendFileData(const QString &contact, const QByteArray &data, const QString &fileName,
                      const QString &mimeType, const QByteArray &thumbnail, const QString &caption,
                      const QByteArray &clientMessageId = {});
    // Downloads the file of attachment message `clientMessageId` of the conversation with
    // `contact` (if not already here), checks it against the message's digest and keeps it
    // encrypted in the profile: attachmentFetched(), or attachmentFailed() (a digest mismatch
    // is refused and nothing is kept). In a group (`contact` its key), `author` names the
    // member who sent it (empty: ours with that id, else the one member's; M1 §10) — here
    // and in saveAttachment() and openAttachment().
    void fetchAttachment(const QString &contact, const QByteArray &clientMessageId,
                         const QString &author = {});
    // Decrypts a fetched (or our own sent) attachment to `path`, which the user chose — the
    // only place plaintext is ever written: attachmentSaved() or attachmentFailed().
    void saveAttachment(const QString &contact, const QByteArray &clientMessageId,
                        const QString &path, const QString &author = {});
    // Decrypts a fetched (or our own sent) attachment into memory, to be shown (an image):
    // attachmentOpened() with its plaintext, or attachmentFailed() — also when it is larger
    // than `maxBytes`. Nothing is written to disk.
    void openAttachment(const QString &contact, const QByteArray &clientMessageId, qint64 maxBytes,
                        const QString &author = {});
    // Emits historyListed() with the newest `limit` messages of the conversation with
    // `contact`, with their reactions and quotes (commandFailed() if there is none).
    void listHistory(const QString &contact, int limit);
    // Every received message of `contact` (all contacts if empty) becomes Seen (reported by
    // messagesSeen()), and a read receipt goes to the sender; readMarked() once every receipt
    // is in the outbox and a flush is on its way (the next outboxDrained() comes after it).
    void markRead(const QString &contact = {});
    // Sends what waits in the outbox (done by itself on every connection).
    void flushOutbox();
    // flushOutbox(), and every upload that waits goes on; allFlushed() once the outbox is
    // drained and no upload runs any more (parley-cli flush).
    void flushAll();
    // Emits unreadListed() with every received message not yet marked read, oldest first.
    void listUnread();
    // Emits contactsListed() with every contact, by address.
    void listContacts();
    // Emits synced() if the relay's queue is drained and every delivery processed (for a
    // caller that connects to synced() late).
    void checkSynced();
    // Accepts `contact`'s new account key (see above): the relay's key must be the pending
    // one. Emits keyChangeAccepted() or commandFailed().
    void acceptKeyChange(const QString &contact);
    // Records that the user compared safety numbers (C6 §4) — or withdraws it. Emits
    // verifiedChanged() or commandFailed() (refused while a key change is pending).
    void setVerified(const QString &contact, bool verified);
    // Emits contactDescribed() with the safety number inputs of `contact`.
    void describeContact(const QString &contact);

    // Message requests and blocking (protocol M1 §8). A message from an address that is not
    // a contact arrives as a *request*: stored and shown (ChatMessage::request), but nothing
    // goes back to the sender — no delivery or read receipt, no typing, no reset request —
    // and sending to it fails with a sentence until the user accepts it. addContact() of a
    // request's sender accepts it too.
    //
    // Accepts the request of `contact`: it becomes a contact, and the receipts held back go
    // out now — a delivery receipt for each of its messages, a read receipt for those already
    // read (never for one not yet read). If the sender set no timer, the profile's
    // disappearing-messages default is set and sent (applyDefaultTimer). Emits requestAccepted(),
    // or commandFailed() — also when `contact` is no request (a contact already, or unknown).
    void acceptRequest(const QString &contact);
    // Deletes the request of `contact`: its conversation and every message of it. The sender
    // stays a non-contact (sessions kept): its next message is a new request. Emits
    // requestDeleted() or commandFailed() (also for an accepted contact: not a request).
    void deleteRequest(const QString &contact);
    // Blocks or unblocks `contact` (any address, a contact or not): a blocked sender's
    // envelopes are decrypted — the ratchet advances, so the sessions still work after an
    // unblock — and dropped: nothing stored, nothing sent back (blockedMessageDropped()).
    // Nothing can be sent to a blocked address. Unblocking keeps a request a request.
    // Emits blockedChanged() or commandFailed().
    void setBlocked(const QString &contact, bool blocked);
    // Emits blockedListed() with every blocked address.
    void listBlocked();
    // Emits requestsListed() with every pending request, newest first.
    void listRequests();

    // Groups (protocol M1 §9; sessiongroups.cpp). `op` is a GroupOp: Create (`name`,
    // `members`), Add/Remove/GrantAdmin (`groupId`, `members`), Leave (`groupId`), Rename
    // (`groupId`, `name`). Members are usernames or addresses of contacts with a session. The
    // change is signed with our account key, applied here, and sent to every member before
    // and after it (over the pairwise sessions, durably). Emits groupChanged() (by us), or
    // groupChangeFailed() and then commandFailed() with a sentence (not an admin, not a
    // contact, nothing to change). `request` is the caller's name for this change, echoed by
    // groupChangeFailed() (a Create has no group to name yet).
    void changeGroup(int op, const QByteArray &groupId, const QString &name,
                     const QStringList &members, const QString &request = {});
    // Emits groupsListed() with every group we know, ours or not any more.
    void listGroups();
    // M1 §9.6 (sessiongroups.cpp): `text` to every member device of the group, encrypted once
    // under our sender key (made, rotated after a removal, and given to new member devices
    // over the pairwise sessions first) and sent as one multi-recipient send. Emits
    // groupTextSent() once it is in the outbox, or commandFailed() with a sentence.
    void sendGroupText(const QByteArray &groupId, const QString &text);
    // Emits groupHistoryLoaded() with the group's texts, oldest first.
    void loadGroupHistory(const QByteArray &groupId);

signals:
    void contactReady(const QString &address);
    void commandFailed(const QString &contact, const QString &sentence);
    void messageQueued(const QString &conversation, const QByteArray &clientMessageId);
    void messageReceived(const parley::core::ChatMessage &message);
    // A stored message changed in place (committed): a reaction, edit or deletion for
    // everyone, ours or the contact's (M1 §5), or its attachment was downloaded.
    // `direction` is a MessageRecord::Direction.
    void messageChanged(const QString &conversation, const QByteArray &clientMessageId,
                        int direction);
    // One of our reactions, edits or deletions (`kind`, a MessageContent::Kind) of `target`
    // was applied here and stored in the outbox (committed); outboxDrained() follows once the
    // relay has it.
    void messageOpQueued(const QString &conversation, const QByteArray &target, int kind);
    // listHistory(): the newest messages of the conversation with `contact`, oldest first.
    void historyListed(const QString &contact, const QList<parley::core::HistoryItem> &items);
    // `state` is a MessageRecord::State; `failureReason` a MessageRecord::FailureReason, not
    // None when `state` is Failed (stored with the message; core/session/messagefailure.h).
    void messageStateChanged(const QString &conversation, const QByteArray &clientMessageId,
                             int state, int failureReason);
    void typingReceived(const QString &from, bool typing);
    // markRead() made these incoming messages of `conversation` Seen (committed).
    void messagesSeen(const QString &conversation, const QList<QByteArray> &clientMessageIds);
    // markRead() is done: its read receipts are in the outbox, being flushed (or it failed).
    void readMarked();
    void unreadListed(const QList<parley::core::ChatMessage> &messages);
    void contactsListed(const QList<parley::core::ContactSummary> &contacts);
    // A contact's account key changed (a notice for the views). `verified`: the contact was
    // verified, so sending waits for acceptKeyChange().
    void keyChanged(const QString &address, bool verified);
    void keyChangeAccepted(const QString &address);
    // An envelope claimed a new key for `address`, but the relay vouches for the pinned one:
    // a forged or stale certificate. Nothing changed; its envelopes were dropped.
    void keyChangeDismissed(const QString &address);
    void verifiedChanged(const QString &address, bool verified);
    void contactDescribed(const parley::core::ContactKeys &keys);
    // acceptRequest() (or addContact() of a request's sender) committed: `address` is a
    // contact; receipts for `delivered` messages (read receipts for `read` of them) are queued.
    void requestAccepted(const QString &address, int delivered, int read);
    // deleteRequest() committed: the conversation and its `messages` are gone.
    void requestDeleted(const QString &address, int messages);
    void blockedChanged(const QString &address, bool blocked);
    // An envelope from blocked `address` was decrypted and dropped (committed: its session
    // advanced, nothing else was stored).
    void blockedMessageDropped(const QString &address);
    void blockedListed(const QStringList &addresses);
    void requestsListed(const QList<parley::core::RequestSummary> &requests);
    // A membership change was applied (committed): made by us at a command's request (`by`
    // is our address), received from `by`'s device, or made by us by ourselves (`by` empty:
    // a lost change made again, a member's devices listed, M1 §9.5, §9.7 — it answers no
    // command). `outcome` is a GroupUpdate::Outcome (Applied, Pending or
    // Superseded; Known is not reported).
    void groupChanged(const parley::core::GroupSummary &group, const QString &by, int outcome);
    // changeGroup() failed: `request` as it was given, `groupKey` the group's conversation key
    // ("group:<hex>"; empty for a Create). commandFailed(groupKey, sentence) follows.
    void groupChangeFailed(const QString &request, const QString &groupKey,
                           const QString &sentence);
    // A received change was refused (forged, unauthorised, not for us): nothing changed.
    void groupChangeRejected(const QString &from, const QString &sentence);
    void groupsListed(const QList<parley::core::GroupSummary> &groups);
    // Our group text is stored and queued to `recipients` member devices; `unreached` member
    // devices had no session and were not sent our sender key.
    void groupTextSent(const parley::core::GroupMessageRecord &text, int recipients,
                       const QStringList &unreached);
    // A group text from a member device, stored (each at most once).
    void groupTextReceived(const parley::core::GroupMessageRecord &text);
    void groupHistoryLoaded(const QByteArray &groupId,
                            const QList<parley::core::GroupMessageRecord> &texts);
    // A session reset was requested of `address`'s device (we could not decrypt), or we
    // accepted one from it and resent `resent` messages.
    void sessionResetRequested(const QString &address);
    void sessionResetAccepted(const QString &address, int resent);
    // The conversation's disappearing-messages timer is now `seconds` (0: off), set by us or
    // by the contact (M1 §8; committed).
    void conversationTimerChanged(const QString &conversation, int seconds);
    // The sweep deleted these rows of `conversation` (MessageIds; committed, WAL truncated).
    void messagesExpired(const QString &conversation, const QList<qint64> &messageIds);
    // Attachments: bytes of the blob the relay confirmed (upload) or we received (download).
    void attachmentProgress(const QString &conversation, const QByteArray &clientMessageId,
                            qint64 done, qint64 total);
    // The upload finished: `bytesSent` counts every blob byte sent, so a resumed upload shows
    // what it did not send again; `resumes` how often it asked the relay where to go on
    // (after a lost connection, a refusal it retried, or from the blob of an upload a restart
    // cut off).
    void attachmentUploaded(const QString &conversation, const QByteArray &clientMessageId,
                            qint64 bytesSent, int resumes);
    void attachmentFetched(const QString &conversation, const QByteArray &clientMessageId);
    void attachmentSaved(const QString &conversation, const QByteArray &clientMessageId,
                         const QString &path);
    void attachmentOpened(const QString &conversation, const QByteArray &clientMessageId,
                          const QByteArray &plaintext);
    void attachmentFailed(const QString &conversation, const QByteArray &clientMessageId,
                          const QString &sentence);
    // `address` changed devices under the same account key (a new device joined, e.g. an
    // imported profile, and `retired` of ours were dropped from its signed list): sessions
    // with the `added` devices exist now and what was on its way to the retired ones was
    // encrypted again for them. Its safety number and verified mark are unchanged.
    void devicesChanged(const QString &address, int added, int retired);
    // The relay said QueueDrained on this connection and every delivery so far is processed.
    void synced();
    // Nothing durable waits to be sent (after a flush or the last relay answer).
    void outboxDrained();
    // After flushAll(): nothing waits in the outbox and no upload runs.
    void allFlushed();

private:
    struct Inbound
    {
        quint64 rowId = 0;
        QByteArray envelope;
        bool ephemeral = false;
        QByteArray multiBody; // a multi-recipient delivery (C3 §7): body and our sealed key
        QByteArray sealedKey;
    };
    using Completion = std::function<void(const QString &error)>;

    QString resolve(const QString &contact) const;
    // `contact` as an address for a command; empty, after commandFailed(contact, …), when it is
    // no valid username or the profile is not open (`needsDevice`: its device key too).
    QString commandAddress(const QString &contact, bool needsDevice);
    // `given` (a group op's target author, a username or an address) as an address in
    // `address`; false, with commandFailed(contact, …), if it is no valid one.
    bool canonicalAuthor(const QString &contact, const QString &given, QString *address);
    void enqueue(std::function<void(std::function<void()>)> command);
    void runNextCommand();
    // Sessions with every device of `address` if it has none. `memberKey`: a group member
    // who may be no contact (M1 §9.11): the relay must give the key the group lists, and a
    // record made here is not a contact (as a request's sender is not).
    void ensureSessions(const QString &address, Completion done, const QByteArray &memberKey = {});
    // acceptRequestInStore, then flushes the receipts it queued. `onlyRequest`: an address
    // that is a contact already is an error (acceptRequest), not a success (addContact).
    void acceptInStore(const QString &address, bool onlyRequest, Completion done);
    // The store's takeInMember (M1 §9.11: writing 1:1 to a group member who is no contact
    // adds it), then `done`; contactReady(address) if it did.
    void takeInMember(const QString &address, Completion done);
    void establish(const QString &address, const wire::UserRecord &user,
                   const std::optional<ContactState> &known, Completion done,
                   const QByteArray &memberKey);
    // FetchBundle for `target`. A device that has just registered may not have uploaded its
    // signed prekey yet (NOT_FOUND): asked again kBundleRetries times, the first after
    // kBundleRetryMs and each next one twice as late, before `handled` gets the answer.
    void fetchBundle(const crypto::DeviceAddress &target, int attempt,
                     std::function<void(const RelayConnection::RequestResult &)> handled);
    void encryptAndSend(const QString &address, const MessageContent &content, bool durable,
                        Completion done);
    // sessiondisappearing.cpp: the profile's disappearing-messages default (ProfileSettings
    // "[conversations] disappearingSeconds") for a conversation we start, set through the
    // timer path so the peer is told as for a manual change (M1 §6.1). FirstSend: only when
    // `address` has no conversation yet (sendText creates it). AcceptedRequest: only when the
    // conversation's timer was never set (the sender may have chosen one already). `done`
    // gets the sentence if the change could not be sent; a default of 0 (off) does nothing.
    enum class DefaultTimerCase { FirstSend, AcceptedRequest };
    void applyDefaultTimer(const QString &address, DefaultTimerCase when, Completion done);
    // The open profile's disappearing-messages default (0: off), read from its profile.ini
    // once per profile; Settings keeps it current (setDefaultTimerSeconds).
    quint32 defaultTimerSeconds();
    // sendReply() … deleteForEveryone(): `content` checked, then queued like a text.
    void sendMessageOp(const QString &contact, const MessageContent &content);
    // sessiongroups.cpp: a reply, reaction, edit or delete in a group (M1 §10).
    void sendGroupMessageOp(const QByteArray &groupId, const MessageContent &content);
    // setDisappearingTimer for a group's conversation (M1 §9.9): sent like a group text.
    void setGroupTimer(const QByteArray &groupId, quint32 seconds);
    // A group text, op or timer change: `job` in the command queue, after the device list
    // refreshes that are running; `sent` reports it, then the outbox is flushed. A failure
    // is commandFailed with the group's conversation key.
    using GroupSendJob = std::function<StoreResult<SentGroupText>(
        StoreContext &, const crypto::DeviceIdentity &, qint64 now)>;
    void sendToGroupInTurn(const QByteArray &groupId, GroupSendJob job,
                           std::function<void(const SentGroupText &)> sent);
    // messageQueued, a sweep for its expiry and groupTextSent for our new text or reply.
    void reportGroupText(const SentGroupText &done);
    void sendEntry(const OutboxEntry &entry);
    // sessionattachments.cpp: encrypt (pool) → upload → the attachment message.
    void sendAttachment(const QString &contact, std::function<std::unique_ptr<QIODevice>()> source,
                        const QString &fileName, const QString &mimeType,
                        const QByteArray &thumbnail, const QString &caption,
                        const QByteArray &clientMessageId);
    // Encrypts the file into attachments/ (thread pool), stores `upload`, starts it.
    void encryptForUpload(UploadRecord upload, std::function<std::unique_ptr<QIODevice>()> source);
    // Uploads the blob of `upload` (stored in UploadTable), then sends its message.
    void startUpload(const UploadRecord &upload);
    // Every stored upload that is not running goes on (sign-in, each connection, flushAll()).
    void resumeUploads();
    // A lock: the running uploads stop, their rows stay (a new m_uploadGeneration).
    void stopUploads();
    void forgetUpload(qint64 id);
    // The upload's row and file go (the relay refused it, or its recipient for good), then
    // attachmentFailed().
    void dropUpload(const UploadRecord &upload, const QString &sentence);
    // Its message could not be stored for now (the connection, a key change waiting): the row
    // stays for the next connection; attachmentFailed() says so.
    void keepUpload(const UploadRecord &upload, const QString &sentence);
    void sendAttachmentMessage(const UploadRecord &upload, const MessageContent &content);
    // Storing `upload`'s message failed: dropUpload() for a final refusal (NotFound, with its
    // sentence), else keepUpload() for the next connection.
    void uploadMessageFailed(const UploadRecord &upload, const StoreError &failed);
    // The same two steps for a group's file (M1 §9.10; upload.address is the group's key): its
    // membership checked before the upload, its message sent like a group text after it.
    void sendGroupAttachment(const UploadRecord &upload,
                             std::function<std::unique_ptr<QIODevice>()> source);
    void sendGroupAttachmentMessage(const QByteArray &groupId, const UploadRecord &upload,
                                    const MessageContent &content);
    void checkAllFlushed();
    QString attachmentsDirectory() const;
    // A file of the profile's attachments directory, by its name.
    QString attachmentPath(const QString &localFile) const;
    // Finds the attachment of `clientMessageId` in the conversation with `contact` and calls
    // `then` with its local blob file and reference; commandFailed() for a bad contact or
    // a non-empty `missingArgument` sentence, attachmentFailed() when it is not here.
    void withFetchedAttachment(const QString &contact, const QByteArray &clientMessageId,
                               const QString &author, const QString &missingArgument,
                               std::function<void(const QString &address, const QString &blobPath,
                                                  const AttachmentRef &ref)>
                                   then);
    void finishEntry(const OutboxEntry &entry, MessageRecord::FailureReason failure);
    void onPush(const wire::Push &push);
    void onConnectionStatus(const ConnectionStatus &status);
    // sessioninbox.cpp, the inbox (docs/architecture.md, "Inbox"): processInbound() takes
    // the next batch through the hash check (database thread) and the sealed layers (thread
    // pool) while the previous batch is stored; storeNextInbound() hands the oldest prepared
    // batch to storeInbound(), which runs its one transaction; acked after its commit.
    void processInbound();
    void storeNextInbound();
    void storeInbound(std::shared_ptr<const std::vector<Inbound>> batch,
                      std::shared_ptr<const std::vector<std::optional<OpenedEnvelope>>> opened);
    static ChatMessage chatMessage(const ReceivedMessage &received);
    // What a processed delivery means for the views and the relay (emits the signals).
    void handleInbound(const InboundResult &result, bool *flush);
    // sessionrecovery.cpp: key changes and session resets.
    void noteKeyChange(const QString &address, bool verified);
    void confirmKeyChange(const QString &address);
    void scheduleAcceptance(const QString &address);
    void runKeyChangeAcceptance(const QString &address, Completion done);
    void finishKeyChangeAcceptance(const QString &address, Completion done);
    // On each connection: acceptances a lock or a crash cut off before their follow-up ended
    // (ContactTable::withKeyChangeFinishing) are finished, each as a queued command.
    void resumeKeyChangeFinishing();
    void finishMarkedKeyChange(const QString &address, std::function<void()> next);
    void loadPendingKeyChanges();
    void resetSession(const AcceptedReset &reset);
    // The relay refused `entry` with UNKNOWN_RECIPIENT: if its device left the contact's
    // device list (same account key), refreshDevices() and the entry is dropped without
    // failing its message; otherwise the message fails as before. Entries refused while a
    // refresh of the same contact runs wait for it (m_refreshing).
    // A group text's entry (several recipients) is sent again without the devices the relay
    // named (`refused`, withoutRefusedRecipients), and each of their accounts' lists is
    // refreshed, so that the next text leaves a retired device out from the start.
    void onUnknownRecipient(const OutboxEntry &entry, const QStringList &refused);
    void onRefusedGroupRecipients(const OutboxEntry &entry, const QStringList &refused);
    // refreshDevices() unless one runs for `address`; then finishes the entries refused
    // meanwhile (m_refreshing).
    void refreshDevicesOnce(const QString &address);
    // LookupUser; a list verified under the PINNED key and not older than the stored counter
    // → retireUnlistedDevices → a bundle and X3DH for each new device → the dropped texts
    // encrypted for them (storeNewDeviceSessions). Calls `done` with the device ids of that
    // list, or nullopt when there is none to trust (not connected, another key, no verify).
    using RefreshDone = std::function<void(const std::optional<std::vector<quint32>> &listed)>;
    void refreshDevices(const QString &address, RefreshDone done);
    void establishNewDevices(const QString &address, const QByteArray &key,
                             const crypto::Ed25519PublicKey &pinned,
                             const std::shared_ptr<const crypto::DeviceList> &list,
                             const DeviceChange &change, RefreshDone done);
    void sendWaitingResetRequests();
    bool isHeld(const OutboxEntry &entry) const;
    void checkOutboxDrained();
    // sessiongroups.cpp: what a received membership change means for the views.
    void handleGroupUpdate(const InboundResult &result);
    // Makes, signs, stores and sends a membership change (M1 §9); failures are reported with
    // groupChangeFailed(requestName, …), or only logged for a change made again (`automatic`).
    void submitGroupRequest(const GroupRequest &request, const QString &requestName,
                            bool automatic = false);
    // submitGroupRequest's work inside a command: `next` ends it.
    void runGroupRequest(const GroupRequest &request, bool automatic,
                         const std::function<void(const QString &)> &fail,
                         const std::function<void()> &next);
    void failGroupChange(const QString &requestName, const QByteArray &groupId,
                         const QString &sentence);
    // groupChanged() for Devices changes made by a device list refresh.
    void announceGroupChanges(const std::vector<SentGroupChange> &changes);
    // Runs `then` once the device list refreshes running now have finished (at once if none
    // runs).
    void whenRefreshed(std::function<void()> then);
    // A refresh of `address`'s devices is over: whatever waits for it (outboxDrained,
    // whenRefreshed) goes on.
    void refreshEnded(const QString &address);
    // Once per connection, when the inbox is synced: this device lists itself in the groups
    // an archive brought where we are an admin (selfListings, protocol B3 §3): sessions with
    // the members first, then one devices change per group whose members all have one. It counts as
    // a refresh of our own address (m_refreshRunning), so group texts, group message ops, the group
    // list and outboxDrained wait for it.
    void listThisDevice();
    // ensureSessions for each of `members` in turn (under the key its group lists), then
    // `then` with the addresses of those that failed.
    void ensureSessionsInTurn(std::vector<MemberToReach> members,
                              std::function<void(const QStringList &failed)> then,
                              QStringList failed = {});
    // Sessions with the members of `groupId` that have none, contacts or not (M1 §9.11),
    // then `then`: each member reached is sent what goes to the group. One that cannot be
    // reached (no such user, keys that do not verify, not connected) is left out, as before.
    void reachMembers(const QByteArray &groupId, std::function<void()> then);
    // A member the relay said has no account is not looked up again for kNoSuchUserRetryMs.
    static constexpr qint64 kNoSuchUserRetryMs = 10 * 60 * 1000;
    // sessionowed.cpp (M1 §9.11 "A member left out"): a command, after each connection's
    // inbox: for each group that owes a content to a member it could not reach, reachMembers,
    // then each owed content sealed to its member alone (payOwedGroupContents), then the outbox.
    // A group send (sendToGroupInTurn) pays its group's first, after its own reachMembers.
    void payOwedGroupContents();
    void payOwedInTurn(QList<QByteArray> groups, std::function<void()> then);
    // runGroupRequest for each of `requests` in turn, outside the command queue, then `then`.
    void runGroupRequestsInTurn(std::vector<GroupRequest> requests, std::function<void()> then);
    bool ready() const;
    // sessiondisappearing.cpp: arms the sweep timer for `expiresAt` (ms) if that is sooner.
    void scheduleSweep(qint64 expiresAt);
    void onAccountStatus();
    // Runs `handler(result)` on this object's thread once `future` has finished, unless this
    // object is gone by then (whenfinished.h).
    template<typename T, typename Handler>
    void whenDone(QFuture<T> future, Handler handler)
    {
        whenFinished(future, this, std::move(handler));
    }

    RelayConnection *m_connection;
    AccountManager *m_account;
    std::deque<std::function<void(std::function<void()>)>> m_commands;
    bool m_commandRunning = false;
    // The inbox's stages (sessioninbox.cpp).
    struct PreparedInbound
    {
        const ProfileStore *store = nullptr; // the store it was checked against
        std::shared_ptr<const std::vector<Inbound>> batch;
        std::shared_ptr<const std::vector<std::optional<OpenedEnvelope>>> opened;
    };
    static constexpr std::size_t kInboundBatchRows = 64; // one transaction, one fsync
    static constexpr std::size_t kInboundBatchesAhead = 2;
    std::deque<Inbound> m_inbound;          // pushed, not taken yet
    std::deque<PreparedInbound> m_prepared; // checked and opened, waiting for stage 3
    bool m_preparing = false;               // a batch in stage 1 or 2
    bool m_storing = false;                 // a batch in stage 3
    bool m_drained = false;
    bool m_flushing = false;
    bool m_flushAgain = false;
    // Attachment downloads running, by their message row (MessageId::value).
    QSet<qint64> m_fetching;
    QHash<qint64, BlobUpload *> m_uploads; // running, by UploadRecord::id
    int m_listingUploads = 0;              // resumeUploads() reading the table
    // Raised by each lock (stopUploads): work still on its way for an older one does nothing.
    quint64 m_uploadGeneration = 0;
    bool m_flushAllRequested = false;    // flushAll() waits for allFlushed()
    bool m_drainedSinceFlushAll = false; // outboxDrained() came since
    QSet<QByteArray> m_inFlight;         // outbox client_message_ids sent, not yet answered
    QSet<QString> m_changedKeys;         // key change pending: outbox entries to them are held
    QSet<QString> m_accepting;           // automatic acceptances queued or running
    QSet<QString> m_confirming;          // LookupUser checks of an envelope's new key running
    QSet<QString> m_notified;            // keyChanged() emitted for these
    QHash<QString, QList<OutboxEntry>> m_refreshing; // refused entries waiting for a refresh
    QSet<QString> m_refreshRunning;                  // device list refreshes running
    bool m_selfListingChecked = false;               // listThisDevice() ran on this connection
    struct RefreshWaiter
    {
        QSet<QString> waitingFor; // the refreshes that ran when it began to wait
        std::function<void()> then;
    };
    QList<RefreshWaiter> m_afterRefreshes; // whenRefreshed(), waiting
    // The acceptor's per-peer limit (C2a §4); used on the database thread only.
    std::shared_ptr<crypto::SessionResetRateLimiter> m_resetLimiter;
    QTimer m_retryTimer;
    QTimer m_resetRequestTimer; // sends requests whose interval has passed
    QTimer m_sweepTimer;        // disappearing messages: the next sweep (M1 §6)
    qint64 m_sweepAt = 0;       // when m_sweepTimer fires (ms since the epoch), 0: idle
    bool m_sweeping = false;
    bool m_sweepAgain = false;
    bool m_signedIn = false; // the last account status was SignedIn (sweep on the edge)
    // ProfileSettings' default of m_defaultsStore's profile, read at its first send.
    std::weak_ptr<ProfileStore> m_defaultsStore;
    quint32 m_defaultTimerSeconds = 0;
    // Accounts the relay answered NOT_FOUND for, and when (reachMembers).
    QHash<QString, qint64> m_noSuchUser;
    // Addresses known to have a conversation: a FirstSend default is not applied to them, so
    // only a conversation's first send asks the store (applyDefaultTimer).
    QSet<QString> m_knownConversations;
};

} // namespace parley::core

Q_DECLARE_METATYPE(parley::core::ChatMessage)
Q_DECLARE_METATYPE(parley::core::AttachmentSummary)
Q_DECLARE_METATYPE(parley::core::HistoryItem)
Q_DECLARE_METATYPE(parley::core::ContactKeys)
Q_DECLARE_METATYPE(parley::core::ContactSummary)
Q_DECLARE_METATYPE(parley::core::RequestSummary)
Q_DECLARE_METATYPE(parley::core::GroupSummary)
Q_DECLARE_METATYPE(parley::core::GroupMessageRecord)

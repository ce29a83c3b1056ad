#include "server/clientsession.h"

#include "crypto/sodium.h"
#include "protocol/closecodes.h"
#include "protocol/frame.h"
#include "protocol/limits.h"
#include "protocol/version.h"
#include "server/messageservice.h"
#include "server/relayserver.h"
#include "server/relayworker.h"
#include "server/storewriter.h"

#include <QLoggingCategory>
#include <QPointer>
#include <QTimerEvent>
#include <QWebSocket>

#include <algorithm>
#include <sodium.h>

Q_LOGGING_CATEGORY(lcSession, "parley.relay.session")

namespace parley::relay {

namespace {

wire::Response status(wire::Status::Code code, const char *message)
{
    wire::Response response;
    response.mutable_status()->set_code(code);
    response.mutable_status()->set_message(message);
    return response;
}

void fill(wire::Delivery *delivery, const QueuedMessage &message)
{
    delivery->set_row_id(message.rowId);
    if (message.multi) {
        delivery->mutable_multi()->set_body(message.body.toStdString());
        delivery->mutable_multi()->set_sealed_key(message.payload.toStdString());
    } else {
        delivery->set_envelope(message.payload.toStdString());
    }
}

// Room left in a Deliver frame for more items: the frame limit minus protobuf framing.
constexpr qsizetype kDeliverFrameBudget = protocol::kMaxFrameBytes - 1024;

} // namespace

ClientSession::ClientSession(QWebSocket *socket, RelayWorker *worker)
    : QObject(worker)
    , m_socket(socket)
    , m_worker(worker)
    , m_server(&worker->server())
{
    m_socket->setParent(this);
    m_socket->setMaxAllowedIncomingMessageSize(protocol::kMaxFrameBytes);
    m_socket->setMaxAllowedIncomingFrameSize(protocol::kMaxFrameBytes);
    m_socket->setReadBufferSize(kReadBufferBytes);
    connect(m_socket, &QWebSocket::bytesWritten, this, &ClientSession::onBytesWritten);
    connect(m_socket, &QWebSocket::binaryMessageReceived, this, &ClientSession::onBinaryMessage);
    connect(m_socket, &QWebSocket::textMessageReceived, this, [this] {
        fail(protocol::CloseCode::UnsupportedData, QStringLiteral("text frames are not used"));
    });
    connect(m_socket, &QWebSocket::disconnected, this, [this] { m_worker->sessionFinished(this); });

    // One deadline for Hello and authentication: an unauthenticated socket costs the relay
    // memory and may do nothing useful, so it does not linger.
    m_authTimer.start(kAuthTimeoutMs, this);
}

void ClientSession::timerEvent(QTimerEvent *event)
{
    if (event->timerId() == m_authTimer.timerId()) {
        m_authTimer.stop();
        fail(protocol::CloseCode::Timeout, m_version == 0
                                               ? QStringLiteral("no Hello in time")
                                               : QStringLiteral("not authenticated in time"));
    } else if (event->timerId() == m_readRetry.timerId()) {
        m_readRetry.stop();
        deliverMore();
    } else {
        QObject::timerEvent(event);
    }
}

ClientSession::~ClientSession()
{
    // No more calls are routed here (usually done already, when the session finished).
    m_server->detach(this);
    delete m_socket;
    // Then the TCP socket the QWebSocket left behind, and the worker's count of it.
    m_worker->sessionDestroyed(this);
}

void ClientSession::onBinaryMessage(const QByteArray &bytes)
{
    if (m_socket->state() != QAbstractSocket::ConnectedState || m_closing) {
        return;
    }
    auto decoded = protocol::decodeFrame(bytes);
    if (const auto *error = std::get_if<protocol::FrameError>(&decoded)) {
        fail(*error == protocol::FrameError::TooLarge ? protocol::CloseCode::TooLarge
                                                      : protocol::CloseCode::ProtocolError,
             protocol::describe(*error));
        return;
    }
    const wire::Frame &frame = std::get<wire::Frame>(decoded);
    if (frame.body_case() != wire::Frame::kRequest) {
        fail(protocol::CloseCode::ProtocolError, QStringLiteral("clients send only requests"));
        return;
    }
    handleRequest(frame.id(), frame.request());
}

void ClientSession::handleRequest(quint64 id, const wire::Request &request)
{
    if (m_version == 0 && request.kind_case() != wire::Request::kHello) {
        fail(protocol::CloseCode::ProtocolError, QStringLiteral("the first request must be Hello"));
        return;
    }
    // Every request costs a token of this connection's bucket; a refused one is answered
    // RATE_LIMITED (retriable) and changes nothing, the connection stays open.
    if (!m_requests.take(m_server->limits().requests)) {
        m_server->countRateLimited(RateKind::Requests);
        sendResponse(id, status(wire::Status::RATE_LIMITED, "too many requests; retry later"));
        return;
    }
    AccountService &accounts = m_worker->accounts();
    switch (request.kind_case()) {
    case wire::Request::kHello:
        handleHello(id, request.hello());
        return;
    case wire::Request::kRegisterAccount:
    case wire::Request::kAuthenticate: {
        if (m_device) {
            sendResponse(id, status(wire::Status::BAD_REQUEST, "already authenticated"));
            return;
        }
        if (m_authPending) {
            sendResponse(id, status(wire::Status::BAD_REQUEST, "a registration is in progress"));
            return;
        }
        if (request.kind_case() == wire::Request::kRegisterAccount &&
            !m_server->allowRegistration(m_worker->clientAddress(this))) {
            // Refused before anything is checked: the challenge stays valid.
            sendResponse(id, status(wire::Status::RATE_LIMITED,
                                    "too many registrations from this address; retry later"));
            return;
        }
        // Single use: whatever the outcome, this challenge is spent.
        const QByteArray challenge = std::exchange(m_challenge, QByteArray());
        if (request.kind_case() == wire::Request::kAuthenticate) {
            // Reads only: on this worker's connection.
            handleAuthResult(id, accounts.authenticate(request.authenticate(), challenge));
            return;
        }
        m_authPending = true;
        runAccountWrite(
            [register_ = request.register_account(), challenge](AccountService &writer) {
                return writer.registerAccount(register_, challenge);
            },
            [id](ClientSession &self, AccountService::Result result) {
                self.m_authPending = false;
                self.handleAuthResult(id, std::move(result));
            });
        return;
    }
    case wire::Request::kSend:
    case wire::Request::kAck:
        if (!m_device) {
            sendResponse(id, status(wire::Status::UNAUTHENTICATED, "authenticate first"));
        } else if (request.kind_case() == wire::Request::kSend) {
            if (!m_server->allowForAccount(RateKind::Sends, m_device->username)) {
                sendResponse(id, status(wire::Status::RATE_LIMITED,
                                        "too many sends from this account; retry later"));
                return;
            }
            handleSend(id, request.send());
        } else {
            handleAck(id, request.ack());
        }
        return;
    case wire::Request::kCreateBlob:
    case wire::Request::kUploadChunk:
    case wire::Request::kGetBlobStatus:
    case wire::Request::kDownloadBlob:
        if (!m_device) {
            sendResponse(id, status(wire::Status::UNAUTHENTICATED, "authenticate first"));
            return;
        }
        handleBlobRequest(id, request);
        return;
    case wire::Request::kUploadPrekeys:
    case wire::Request::kFetchBundle:
    case wire::Request::kLookupUser:
    case wire::Request::kUpdateDeviceList:
    case wire::Request::kDeleteAccount: {
        if (!m_device) {
            // Answered, not closed: the auth deadline bounds how long this can go on.
            sendResponse(id, status(wire::Status::UNAUTHENTICATED, "authenticate first"));
            return;
        }
        const AuthenticatedDevice device = *m_device;
        if (request.kind_case() == wire::Request::kFetchBundle &&
            !m_server->allowForAccount(RateKind::Bundles, device.username)) {
            sendResponse(id, status(wire::Status::RATE_LIMITED,
                                    "too many bundle fetches from this account; retry later"));
            return;
        }
        if (request.kind_case() == wire::Request::kLookupUser &&
            !m_server->allowForAccount(RateKind::Lookups, device.username)) {
            sendResponse(id, status(wire::Status::RATE_LIMITED,
                                    "too many lookups from this account; retry later"));
            return;
        }
        if (request.kind_case() == wire::Request::kLookupUser) {
            // Reads only: on this worker's connection.
            const AccountService::Result result = accounts.lookupUser(request.lookup_user());
            sendResponse(id, result.response);
            return;
        }
        // The others write (FetchBundle hands out a one-time prekey): on the writer thread.
        std::function<AccountService::Result(AccountService &)> work;
        switch (request.kind_case()) {
        case wire::Request::kUploadPrekeys:
            work = [device, upload = request.upload_prekeys()](AccountService &writer) {
                return writer.uploadPreKeys(device, upload);
            };
            break;
        case wire::Request::kFetchBundle:
            work = [fetch = request.fetch_bundle()](AccountService &writer) {
                return writer.fetchBundle(fetch);
            };
            break;
        case wire::Request::kUpdateDeviceList:
            work = [device, update = request.update_device_list()](AccountService &writer) {
                return writer.updateDeviceList(device, update);
            };
            break;
        default:
            work = [device, deletion = request.delete_account()](AccountService &writer) {
                return writer.deleteAccount(device, deletion);
            };
            break;
        }
        runAccountWrite(std::move(work), [id](ClientSession &self, AccountService::Result result) {
            self.sendResponse(id, result.response);
            self.applySideEffects(result);
        });
        return;
    }
    case wire::Request::KIND_NOT_SET:
        break;
    }
    // A request kind from a newer protocol: answer, do not drop the connection.
    sendResponse(id, status(wire::Status::BAD_REQUEST, "unknown request"));
}

void ClientSession::runAccountWrite(
    std::function<AccountService::Result(AccountService &)> work,
    std::function<void(ClientSession &, AccountService::Result)> done)
{
    m_server->writer().runTask(
        [names = m_worker->accounts().relayNames(), policy = m_worker->accounts().policy(),
         work = std::move(work), done = std::move(done),
         self = QPointer<ClientSession>(this)](Store *store) -> std::function<void()> {
            AccountService::Result result;
            if (store == nullptr) {
                result.response =
                    status(wire::Status::UNAVAILABLE, "the relay's store failed; retry");
            } else {
                AccountService writer(*store, names, policy);
                result = work(writer);
            }
            // Back on the worker's thread (the task's context), where `self` may be read.
            return [self, done, result = std::move(result)] {
                if (self) {
                    done(*self, result);
                }
            };
        },
        m_worker);
}

void ClientSession::handleHello(quint64 id, const wire::Hello &hello)
{
    if (m_version != 0) {
        fail(protocol::CloseCode::ProtocolError, QStringLiteral("Hello sent twice"));
        return;
    }
    if (hello.software().size() > protocol::kMaxSoftwareBytes) {
        fail(protocol::CloseCode::ProtocolError, QStringLiteral("software name too long"));
        return;
    }
    const quint32 chosen = std::min(hello.max_version(), protocol::kMaxVersion);
    if (hello.min_version() > hello.max_version() || chosen < protocol::kMinVersion ||
        chosen < hello.min_version()) {
        wire::Response response;
        response.mutable_status()->set_code(wire::Status::UNSUPPORTED_VERSION);
        response.mutable_status()->set_message(
            QStringLiteral("this relay speaks protocol versions %1 to %2")
                .arg(protocol::kMinVersion)
                .arg(protocol::kMaxVersion)
                .toStdString());
        sendResponse(id, std::move(response));
        fail(protocol::CloseCode::UnsupportedVersion, QStringLiteral("no common version"));
        return;
    }
    m_version = chosen;
    m_challenge = newChallenge();

    wire::Response response;
    response.mutable_status()->set_code(wire::Status::OK);
    wire::Welcome *welcome = response.mutable_welcome();
    welcome->set_version(chosen);
    welcome->set_software(std::string("parley-relay/") + parley::kVersion);
    wire::Limits *limits = welcome->mutable_limits();
    limits->set_max_frame_bytes(protocol::kMaxFrameBytes);
    limits->set_max_prekeys_per_upload(protocol::kMaxPreKeysPerUpload);
    limits->set_max_stored_prekeys(protocol::kMaxStoredPreKeys);
    limits->set_prekeys_low_threshold(protocol::kPreKeysLowThreshold);
    limits->set_max_recipients_per_send(protocol::kMaxRecipientsPerSend);
    limits->set_max_envelope_bytes(protocol::kMaxEnvelopeBytes);
    limits->set_max_sealed_key_bytes(protocol::kMaxSealedKeyBytes);
    limits->set_max_ack_row_ids(protocol::kMaxAckRowIds);
    limits->set_queue_ttl_seconds(
        static_cast<quint32>(m_server->writer().options().policy.ttlSeconds));
    const BlobPolicy &blobs = m_worker->blobs().policy();
    limits->set_max_blob_bytes(static_cast<quint64>(blobs.maxBlobBytes));
    limits->set_max_blob_chunk_bytes(protocol::kMaxBlobChunkBytes);
    limits->set_blob_quota_bytes(static_cast<quint64>(blobs.quotaBytes));
    limits->set_blob_ttl_seconds(static_cast<quint32>(blobs.ttlSeconds));
    limits->set_blob_incomplete_ttl_seconds(static_cast<quint32>(blobs.incompleteTtlSeconds));
    limits->set_max_blobs_per_account(static_cast<quint32>(blobs.maxBlobsPerAccount));
    welcome->set_challenge(m_challenge.toStdString());
    sendResponse(id, std::move(response));
    qCDebug(lcSession) << "hello: version" << chosen;
}

void ClientSession::handleAuthResult(quint64 id, AccountService::Result result)
{
    if (!result.authenticated) {
        ++m_failedAttempts;
        if (m_failedAttempts >= protocol::kMaxAuthAttempts) {
            sendResponse(id, std::move(result.response));
            fail(protocol::CloseCode::AuthFailed, QStringLiteral("too many failed attempts"));
            return;
        }
        m_challenge = newChallenge();
        result.response.mutable_challenge()->set_challenge(m_challenge.toStdString());
        sendResponse(id, std::move(result.response));
        return;
    }
    m_authTimer.stop();
    m_device = result.authenticated;
    m_onlineSinceUs = DeliveryClock::nowUs();
    m_worker->markAuthenticated(this);
    m_server->attach(this);
    sendResponse(id, result.response);
    qCDebug(lcSession) << "authenticated";
    applySideEffects(result);
    const int count = m_worker->accounts().oneTimePreKeyCount(*m_device);
    if (count >= 0 && count < protocol::kPreKeysLowThreshold) {
        pushPreKeysLow(count);
    }
    // On (re)connect the queue drains from the oldest row, unacked ones included.
    deliverMore();
}

void ClientSession::applySideEffects(const AccountService::Result &result)
{
    if (result.preKeysLowDevice) {
        m_server->pushPreKeysLow(result.preKeysLowDevice->first, result.preKeysLowDevice->second,
                                 result.preKeysRemaining);
    }
    if (!result.revokedUser.isEmpty() && (result.revokedAll || !result.revokedDevices.isEmpty())) {
        m_server->revoke(result.revokedUser, result.revokedDevices, result.revokedAll);
    }
}

void ClientSession::pushPreKeysLow(int remaining)
{
    wire::Push push;
    push.mutable_prekeys_low()->set_one_time_prekeys(static_cast<quint32>(std::max(0, remaining)));
    sendPush(std::move(push));
}

void ClientSession::revoke(const QString &reason)
{
    fail(protocol::CloseCode::Revoked, reason);
}

void ClientSession::replace()
{
    fail(protocol::CloseCode::Replaced, QStringLiteral("replaced by a newer connection"));
}

void ClientSession::handleSend(quint64 id, const wire::Send &send)
{
    auto checked = m_server->messages().check(*m_device, send);
    if (auto *error = std::get_if<wire::Response>(&checked)) {
        sendResponse(id, std::move(*error));
        return;
    }
    auto &message = std::get<MessageService::Checked>(checked);
    if (message.ephemeral) {
        // Never stored: whoever is connected now gets it, nobody else ever does.
        m_server->pushEphemeral(message.record);
        wire::Response response = status(wire::Status::OK, "");
        response.mutable_sent();
        sendResponse(id, std::move(response));
        return;
    }
    // Answered only once the rows are committed (synchronous=FULL).
    const QList<DeviceRef> recipients = message.record.recipients;
    m_server->writer().submit(
        std::move(message.record),
        [self = QPointer<ClientSession>(this), server = m_server, worker = m_worker, id, recipients,
         written = std::move(message.written)](const StoreResult<SendOutcome> &result) {
            wire::Response response;
            if (const auto *error = std::get_if<StoreError>(&result)) {
                // The writer logged it. Nothing of the send was stored either way, so the
                // same Send (same client_message_id) may be retried as is.
                ++server->metrics().storeErrors;
                if (error->diskFull) {
                    ++server->metrics().diskFull;
                    response = status(wire::Status::UNAVAILABLE,
                                      "the relay's disk is full; nothing was stored; retry later");
                } else {
                    response = status(wire::Status::UNAVAILABLE, "the relay's store failed; retry");
                }
            } else {
                const SendOutcome &outcome = std::get<SendOutcome>(result);
                switch (outcome.kind) {
                case SendOutcome::Kind::Stored:
                    server->metrics().enqueued += quint64(recipients.size());
                    worker->wakeSoon(recipients);
                    response = status(wire::Status::OK, "");
                    response.mutable_sent();
                    break;
                case SendOutcome::Kind::Duplicate:
                    ++server->metrics().deduplicated;
                    // A retry gets the original answer: OK, stored once.
                    response = status(wire::Status::OK, "");
                    response.mutable_sent();
                    break;
                case SendOutcome::Kind::UnknownRecipients:
                case SendOutcome::Kind::QueueFull: {
                    ++server->metrics().refused;
                    const bool unknown = outcome.kind == SendOutcome::Kind::UnknownRecipients;
                    response = unknown ? status(wire::Status::UNKNOWN_RECIPIENT,
                                                "no such recipient device; nothing was stored")
                                       : status(wire::Status::QUEUE_FULL,
                                                "a recipient's queue is full; nothing was "
                                                "stored; retry later");
                    for (int index : outcome.recipients) {
                        response.mutable_send_refused()->add_recipients(
                            written.at(static_cast<std::size_t>(index)));
                    }
                    break;
                }
                }
            }
            if (self) {
                self->sendResponse(id, std::move(response));
            }
        },
        m_worker);
}

void ClientSession::handleAck(quint64 id, const wire::Ack &ack)
{
    if (ack.row_ids_size() > protocol::kMaxAckRowIds) {
        sendResponse(id, status(wire::Status::TOO_LARGE, "too many row ids in one Ack"));
        return;
    }
    AckRecord record{DeviceRef{m_device->username, m_device->deviceId}, {}};
    record.rowIds.reserve(ack.row_ids_size());
    for (quint64 rowId : ack.row_ids()) {
        record.rowIds.append(rowId);
        // The window opens at once: the cursor keeps acked rows from being read again
        // on this connection even before their deletion commits.
        if (auto found = m_inFlight.find(rowId); found != m_inFlight.end()) {
            m_inFlightBytes -= found.value();
            m_inFlight.erase(found);
        }
    }
    m_server->writer().submit(
        std::move(record),
        [self = QPointer<ClientSession>(this), server = m_server,
         id](const StoreResult<int> &result) {
            if (const int *acked = std::get_if<int>(&result)) {
                server->metrics().acked += quint64(*acked);
            } else {
                ++server->metrics().storeErrors;
            }
            if (self) {
                self->sendResponse(id, std::holds_alternative<int>(result)
                                           ? status(wire::Status::OK, "")
                                           : status(wire::Status::UNAVAILABLE,
                                                    "the relay's store failed; retry the ack"));
            }
        },
        m_worker);
    // Only if the last read may have left rows behind (it was cut by the window): a read
    // that reached the end stays true until a doorbell rings (deliverMore).
    if (!m_readToEnd) {
        pushQueued();
    }
}

void ClientSession::handleBlobRequest(quint64 id, const wire::Request &request)
{
    BlobService &blobs = m_worker->blobs();
    // Writes are answered from the writer thread, after the chunk is on disk (R4 §5).
    auto reply = [self = QPointer<ClientSession>(this), id](wire::Response response) {
        if (self) {
            self->sendResponse(id, std::move(response));
        }
    };
    switch (request.kind_case()) {
    case wire::Request::kCreateBlob:
        blobs.create(m_device->username, request.create_blob(), std::move(reply));
        break;
    case wire::Request::kUploadChunk:
        blobs.upload(m_device->username, request.upload_chunk(), std::move(reply));
        break;
    case wire::Request::kGetBlobStatus:
        blobs.status(request.get_blob_status(), std::move(reply));
        break;
    default:
        sendResponse(id, blobs.download(request.download_blob()));
        break;
    }
}

void ClientSession::deliverMore()
{
    // A doorbell (rows committed for this device), the retry timer or a new connection:
    // the queue may hold rows the last read did not see.
    m_readToEnd = false;
    pushQueued();
}

void ClientSession::pushQueued()
{
    if (!m_device || m_closing || m_socket->state() != QAbstractSocket::ConnectedState) {
        return;
    }
    const DeviceRef device{m_device->username, m_device->deviceId};
    for (;;) {
        if (m_socket->bytesToWrite() > kPauseBytes) {
            m_paused = true; // onBytesWritten resumes
            return;
        }
        const int rows = protocol::kDeliveryWindowRows - static_cast<int>(m_inFlight.size());
        const qint64 bytes = protocol::kDeliveryWindowBytes - m_inFlightBytes;
        if (rows <= 0 || bytes <= 0) {
            return; // the next ack reopens the window
        }
        auto fetched = m_worker->store().fetchQueue(device, m_cursor, rows, bytes);
        if (const auto *error = std::get_if<StoreError>(&fetched)) {
            // The next commit for this device, the next ack, or the retry timer tries again
            // (the timer: an outage may swallow the doorbell of rows already committed).
            // One warning per session and outage, not one per retry.
            if (!m_readFailing) {
                m_readFailing = true;
                qCWarning(lcSession) << "queue read failed:" << error->message << "- retrying every"
                                     << kReadRetryMs << "ms";
            }
            if (!m_readRetry.isActive()) {
                m_readRetry.start(kReadRetryMs, this);
            }
            return;
        }
        m_readFailing = false;
        const QList<QueuedMessage> &messages = std::get<QList<QueuedMessage>>(fetched);
        if (messages.isEmpty()) {
            m_readToEnd = true;
            sendDrainedOnce();
            return;
        }
        // As many items per frame as fit (rows queued together travel together).
        wire::Push push;
        qsizetype frameBytes = 0;
        QList<quint64> pushed;
        pushed.reserve(messages.size());
        for (const QueuedMessage &message : messages) {
            pushed.append(message.rowId);
            if (frameBytes > 0 && frameBytes + message.size() + 64 > kDeliverFrameBudget) {
                sendPush(std::exchange(push, wire::Push()));
                frameBytes = 0;
            }
            fill(push.mutable_deliver()->add_deliveries(), message);
            frameBytes += message.size() + 64;
            m_cursor = std::max(m_cursor, message.rowId);
            ++m_server->metrics().delivered;
            m_inFlight.insert(message.rowId, message.size());
            m_inFlightBytes += message.size();
        }
        sendPush(std::move(push));
        observeLatency(pushed);
        if (m_closing) {
            return; // the hard cap was hit
        }
        // Fewer rows than the window allowed, and not for lack of bytes (a row is at most
        // one frame): this read reached the end of the queue, so reading again at once
        // would find nothing — a round trip to the store per delivery on PostgreSQL
        // (bench/RESULTS-cluster.md). Rows committed since ring the doorbell.
        if (messages.size() < rows && bytes - fetchedBytes(messages) >= protocol::kMaxFrameBytes) {
            m_readToEnd = true;
            sendDrainedOnce();
            return;
        }
    }
}

qint64 ClientSession::fetchedBytes(const QList<QueuedMessage> &messages)
{
    qint64 total = 0;
    for (const QueuedMessage &message : messages) {
        total += message.size();
    }
    return total;
}

void ClientSession::sendDrainedOnce()
{
    if (!m_drainedSent) {
        m_drainedSent = true;
        wire::Push push;
        push.mutable_queue_drained();
        sendPush(std::move(push));
    }
}

void ClientSession::observeLatency(const QList<quint64> &rowIds)
{
    // Only rows committed while this connection was online: a backlog drained after a login
    // measures the recipient's absence, not the relay.
    const qint64 now = DeliveryClock::nowUs();
    const QList<qint64> committed = m_server->deliveryClock().commitTimes(rowIds);
    for (qint64 commitUs : committed) {
        if (commitUs != 0 && commitUs >= m_onlineSinceUs) {
            m_server->metrics().deliveryLatency.observe(now - commitUs);
        }
    }
}

void ClientSession::pushEphemeral(const QueuedMessage &message)
{
    if (!m_device || m_closing || m_socket->bytesToWrite() > kPauseBytes) {
        return; // typing notifications are worth nothing late
    }
    wire::Push push;
    wire::Delivery *delivery = push.mutable_deliver()->add_deliveries();
    fill(delivery, message);
    delivery->set_ephemeral(true);
    sendPush(std::move(push));
}

void ClientSession::onBytesWritten()
{
    if (m_paused && m_socket->bytesToWrite() <= kPauseBytes / 2) {
        m_paused = false;
        pushQueued();
    }
}

void ClientSession::sendResponse(quint64 id, wire::Response response)
{
    wire::Frame frame;
    frame.set_id(id);
    *frame.mutable_response() = std::move(response);
    sendFrame(frame);
}

void ClientSession::sendPush(wire::Push push)
{
    wire::Frame frame;
    frame.set_id(0);
    *frame.mutable_push() = std::move(push);
    sendFrame(frame);
}

void ClientSession::sendFrame(const wire::Frame &frame)
{
    if (m_closing) {
        return;
    }
    m_socket->sendBinaryMessage(protocol::encodeFrame(frame));
    // Pushes stop at kPauseBytes; only a client that sends requests without reading the
    // responses gets here.
    if (m_socket->bytesToWrite() > kHardCapBytes) {
        fail(protocol::CloseCode::SlowConsumer, QStringLiteral("client does not read"));
    }
}

void ClientSession::fail(quint16 closeCode, const QString &reason)
{
    // Only the reason class is logged, never frame contents.
    qCInfo(lcSession) << "closing connection:" << reason;
    m_closing = true;
    m_authTimer.stop();
    m_socket->close(static_cast<QWebSocketProtocol::CloseCode>(closeCode), reason);
}

QByteArray ClientSession::newChallenge()
{
    // crypto's entry points initialise libsodium; this one calls libsodium directly.
    crypto::ensureSodium();
    QByteArray challenge(protocol::kChallengeBytes, Qt::Uninitialized);
    randombytes_buf(challenge.data(), static_cast<std::size_t>(challenge.size()));
    return challenge;
}

} // namespace parley::relay

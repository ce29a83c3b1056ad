// Session reset (docs/protocol.md C2a): a device that cannot decrypt asks its peer,
// inside a sealed envelope, for a fresh X3DH and names the failed messages; the request is
// accepted only from an authenticated, known contact and rate-limited per peer; the previous
// session is kept so late messages still decrypt. Also the request's strict layout and the
// PeerSessions container and its serialization.

#include "crypto/peersessions.h"
#include "crypto/sealedsender.h"
#include "crypto/sessionreset.h"
#include "crypto/sessionresetrequest.h"
#include "identityfixtures.h"

#include <QTest>

#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <type_traits>

using namespace parley::crypto;
using namespace parley::crypto::test;
using namespace std::chrono_literals;

namespace {

// A message Alice sent Bob (the name a request must include to be fresh, C2a §3 step 4).
const FailedMessage kSentToBob{X25519PublicKey{0x5e}, 12};

} // namespace

// There is no way to accept a reset from raw bytes: only the result of opening an envelope.
template<typename T>
concept AcceptsFrom = requires(const T &input, const KnownContactCheck &check,
                               const SentMessageCheck &sent, SessionResetRateLimiter &limiter)
{
    acceptSessionReset(input, check, sent, limiter);
};
static_assert(!AcceptsFrom<ByteView>);
static_assert(!AcceptsFrom<std::vector<Byte>>);
static_assert(!AcceptsFrom<SessionResetRequest>);
static_assert(AcceptsFrom<OpenedSealedMessage>);
static_assert(AcceptsFrom<std::variant<OpenedSealedMessage, SealedSenderError>>);
// And none without the freshness check (C2a §3 step 4), which would accept stale replays.
template<typename T>
concept AcceptsWithoutFreshness = requires(const T &input, const KnownContactCheck &check,
                                           SessionResetRateLimiter &limiter)
{
    acceptSessionReset(input, check, limiter);
};
static_assert(!AcceptsWithoutFreshness<OpenedSealedMessage>);
static_assert(!AcceptsWithoutFreshness<std::variant<OpenedSealedMessage, SealedSenderError>>);

namespace {

QByteArray text(const WipedBytes &plaintext)
{
    return QByteArray(reinterpret_cast<const char *>(plaintext.data()),
                      static_cast<qsizetype>(plaintext.size()));
}

// A test clock that only moves when told to.
struct FakeClock
{
    std::chrono::steady_clock::time_point now{};
    SessionResetRateLimiter::Clock clock()
    {
        return [this] { return now; };
    }
};

} // namespace

class TestSessionReset : public QObject
{
    Q_OBJECT

private slots:
    void init();

    void resetRecoversConversation();
    void lateMessagesUseThePreviousSession();
    void previousSessionsAreBounded();
    void peerSessionsDecryptIsTransactional();

    void resetOutsideEnvelopeIgnored();
    void unknownContactIgnored();
    void malformedRequestIgnored();
    void rateLimited();
    void replayedOldRequestIsStale();

    void requestRoundTrip();
    void requestFrozenVector();
    void requestParserRejects_data();
    void requestParserRejects();
    void requestBounds();
    void failedMessageFromHeader();

    void peerSessionsSerialization();
    void peerSessionsParserRejects_data();
    void peerSessionsParserRejects();

private:
    struct Side
    {
        PeerSessions sessions;
        std::optional<InitialMessageHeader> header; // attached until the first reply
    };
    // A fresh X3DH from `initiator` to `responder` (whose keys are `m_parties->bob*` if the
    // responder is Bob, else Alice's prekeys below), as core does: bundle fetched, session
    // on the initiator at once, on the responder when the first message arrives.
    struct Initiated
    {
        RatchetSession session;
        std::vector<Byte> ad;
        InitialMessageHeader header;
    };
    Initiated initiateToBob();
    std::pair<RatchetSession, std::vector<Byte>> bobResponds(const InitialMessageHeader &header);

    std::vector<Byte> sealFromBob(ByteView message) const;
    std::variant<OpenedSealedMessage, SealedSenderError> aliceOpens(ByteView envelope) const;
    KnownContactCheck aliceKnowsBob() const;
    // Alice's record of what she sent Bob on the current session, for the tests that are not
    // about freshness: it recognises kSentToBob only.
    SentMessageCheck aliceSentToBob() const;

    // Alice → Bob, Bob established as responder: both PeerSessions.
    std::pair<PeerSessions, PeerSessions> establish();

    std::unique_ptr<Parties> m_parties;
    MapPreKeys m_bobKeys;
    MemoryReplayCache m_bobCache;
};

void TestSessionReset::init()
{
    m_parties = std::make_unique<Parties>();
    m_bobKeys = MapPreKeys{};
    m_bobKeys.signedPreKeys = {&m_parties->bobSignedPreKey};
    m_bobKeys.oneTimePreKeys = {&m_parties->bobOneTimePreKey};
    m_bobCache = MemoryReplayCache{};
}

TestSessionReset::Initiated TestSessionReset::initiateToBob()
{
    const Parties &p = *m_parties;
    // A newly fetched bundle: with the one-time prekey while it lasts.
    const bool withOneTimePreKey = !m_bobKeys.oneTimePreKeys.empty();
    auto initiation =
        std::get<X3dhInitiation>(x3dhInitiate(p.alice, p.verifiedBobBundle(withOneTimePreKey)));
    if (withOneTimePreKey) {
        m_bobKeys.removeOneTimePreKey(kVectorOneTimePreKeyId); // the relay hands it out once
    }
    auto session = std::get<RatchetSession>(
        RatchetSession::initAlice(initiation.sharedKey.view(), initiation.responderSignedPreKey));
    return {std::move(session), initiation.associatedData, initiation.header};
}

std::pair<RatchetSession, std::vector<Byte>>
TestSessionReset::bobResponds(const InitialMessageHeader &header)
{
    MapPreKeys keys = m_bobKeys;
    keys.oneTimePreKeys = {&m_parties->bobOneTimePreKey};
    auto response = std::get<X3dhResponse>(
        x3dhRespond(m_parties->bob, header, keys, m_bobCache, m_parties->aliceAccount.publicKey()));
    m_bobCache.insert(response.id, response.signedPreKeyId, m_bobCache.size() + 1);
    const auto spk =
        RatchetKeyPair::fromPrivateKey(m_parties->bobSignedPreKey.keyPair.privateKey());
    auto session =
        std::get<RatchetSession>(RatchetSession::initBob(response.sharedKey.view(), *spk));
    return {std::move(session), response.associatedData};
}

std::vector<Byte> TestSessionReset::sealFromBob(ByteView message) const
{
    return std::get<std::vector<Byte>>(
        sealEnvelope(m_parties->bob, m_parties->alice.identityKey().publicKey(), message));
}

std::variant<OpenedSealedMessage, SealedSenderError>
TestSessionReset::aliceOpens(ByteView envelope) const
{
    const DeviceCertificate bob = m_parties->bob.certificate();
    const PinnedSenderLookup pins = [bob](const DeviceAddress &address) {
        return address == bob.address
                   ? std::optional<PinnedSender>(PinnedSender{bob.accountKey, bob.identityKey})
                   : std::nullopt;
    };
    return openEnvelope(m_parties->alice, envelope, pins);
}

KnownContactCheck TestSessionReset::aliceKnowsBob() const
{
    const DeviceAddress bob = m_parties->bob.address();
    return [bob](const DeviceCertificate &sender) { return sender.address == bob; };
}

SentMessageCheck TestSessionReset::aliceSentToBob() const
{
    const DeviceAddress bob = m_parties->bob.address();
    return [bob](const DeviceCertificate &peer, const FailedMessage &message) {
        return peer.address == bob && message == kSentToBob;
    };
}

std::pair<PeerSessions, PeerSessions> TestSessionReset::establish()
{
    Initiated initiated = initiateToBob();
    PeerSessions alice(std::move(initiated.session), initiated.ad);
    auto [bobSession, bobAd] = bobResponds(initiated.header);
    PeerSessions bob(std::move(bobSession), bobAd);
    return {std::move(alice), std::move(bob)};
}

namespace {

std::vector<Byte> send(PeerSessions &sessions, const char *plaintext)
{
    auto encryption = std::get<PeerEncryption>(sessions.encrypt(bytesOf(plaintext)));
    sessions = std::move(encryption.sessions); // "persisted" before the message leaves
    return std::move(encryption.message);
}

// Decrypts and makes the new state current; returns the plaintext and which session took it.
std::pair<QByteArray, std::size_t> receive(PeerSessions &sessions, ByteView message)
{
    auto result = sessions.decrypt(message);
    if (auto *error = std::get_if<RatchetError>(&result)) {
        const auto sentence = describe(*error);
        return {QByteArray("error: ") + QByteArray(sentence.data(), qsizetype(sentence.size())),
                SIZE_MAX};
    }
    auto &decryption = std::get<PeerDecryption>(result);
    sessions = std::move(decryption.sessions);
    return {text(decryption.plaintext), decryption.sessionIndex};
}

RatchetError failure(const PeerSessions &sessions, ByteView message)
{
    const auto result = sessions.decrypt(message);
    return std::holds_alternative<RatchetError>(result) ? std::get<RatchetError>(result)
                                                        : RatchetError::MalformedState;
}

} // namespace

void TestSessionReset::resetRecoversConversation()
{
    auto [alice, bob] = establish();
    QCOMPARE(receive(bob, send(alice, "a1")).first, QByteArray("a1"));
    QCOMPARE(receive(alice, send(bob, "b1")).first, QByteArray("b1"));
    // Bob sends b2, which the network holds back until after the reset.
    const std::vector<Byte> lateFromBob = send(bob, "b2 (late)");

    // Bob's state is corrupted: replaced by an unrelated session (lost or garbled storage).
    const std::vector<Byte> junkSecret(32, 0x5a);
    bob = PeerSessions(
        std::get<RatchetSession>(RatchetSession::initBob(junkSecret, RatchetKeyPair::generate())),
        std::vector<Byte>(bob.currentAssociatedData().begin(), bob.currentAssociatedData().end()));

    // Alice keeps an outbox of what she sent, by (ratchet key, N): core's history.
    std::map<FailedMessage, QByteArray> outbox;
    std::vector<FailedMessage> failed;
    for (const char *plaintext : {"a2", "a3"}) {
        const std::vector<Byte> message = send(alice, plaintext);
        outbox[*failedMessageOf(message)] = plaintext;
        QVERIFY(std::holds_alternative<RatchetError>(bob.decrypt(message)));
        // Bob names the message from its header.
        failed.push_back(*failedMessageOf(message));
    }

    // Bob asks for a reset, inside a sealed envelope to Alice.
    const auto request = std::get<SessionResetRequest>(SessionResetRequest::make(failed));
    const std::vector<Byte> envelope = sealFromBob(request.serialize());
    SessionResetRateLimiter limiter;
    const SessionResetDecision decision = acceptSessionReset(
        aliceOpens(envelope), aliceKnowsBob(),
        [&outbox](const DeviceCertificate &, const FailedMessage &message) {
            return outbox.contains(message);
        },
        limiter);
    QVERIFY(std::holds_alternative<AcceptedSessionReset>(decision));
    const auto &accepted = std::get<AcceptedSessionReset>(decision);
    QCOMPARE(accepted.sender, m_parties->bob.certificate());
    QCOMPARE(accepted.request.failedMessages.size(), std::size_t{2});

    // Alice: a fresh X3DH with a newly fetched bundle; the old session is kept as previous.
    Initiated initiated = initiateToBob();
    alice = alice.withNewSession(std::move(initiated.session), initiated.ad);
    QCOMPARE(alice.previousCount(), std::size_t{1});
    // She finds the named messages in her outbox and resends them (under new message ids:
    // core's job), each with the initial message header until Bob replies.
    std::vector<std::vector<Byte>> resent;
    for (const FailedMessage &name : accepted.request.failedMessages) {
        QVERIFY(outbox.contains(name));
        resent.push_back(send(alice, outbox[name].constData()));
    }

    // Bob: the header establishes the new session; both resent messages decrypt with it.
    auto [bobSession, bobAd] = bobResponds(initiated.header);
    bob = bob.withNewSession(std::move(bobSession), bobAd);
    QCOMPARE(receive(bob, resent[0]), std::make_pair(QByteArray("a2"), std::size_t{0}));
    QCOMPARE(receive(bob, resent[1]), std::make_pair(QByteArray("a3"), std::size_t{0}));
    // Both ways.
    QCOMPARE(receive(alice, send(bob, "b3")), std::make_pair(QByteArray("b3"), std::size_t{0}));
    QCOMPARE(receive(bob, send(alice, "a4")), std::make_pair(QByteArray("a4"), std::size_t{0}));
    // Bob's late message from the old session still decrypts, with Alice's previous session.
    QCOMPARE(receive(alice, lateFromBob), std::make_pair(QByteArray("b2 (late)"), std::size_t{1}));
    QCOMPARE(failure(alice, lateFromBob), RatchetError::Duplicate);
    // And the conversation goes on after a state round trip.
    alice = std::get<PeerSessions>(PeerSessions::deserialize(alice.serialize().view()));
    bob = std::get<PeerSessions>(PeerSessions::deserialize(bob.serialize().view()));
    QCOMPARE(receive(bob, send(alice, "a5")).first, QByteArray("a5"));
    QCOMPARE(receive(alice, send(bob, "b4")).first, QByteArray("b4"));
}

void TestSessionReset::lateMessagesUseThePreviousSession()
{
    auto [alice, bob] = establish();
    QCOMPARE(receive(bob, send(alice, "hello")).first, QByteArray("hello"));
    QCOMPARE(receive(alice, send(bob, "hi")).first, QByteArray("hi"));
    const std::vector<Byte> oldFromAlice1 = send(alice, "old 1");
    const std::vector<Byte> oldFromAlice2 = send(alice, "old 2");
    const std::vector<Byte> oldFromBob = send(bob, "old from bob");

    Initiated initiated = initiateToBob();
    alice = alice.withNewSession(std::move(initiated.session), initiated.ad);
    const std::vector<Byte> fresh = send(alice, "new"); // encrypt uses the new current session
    auto [bobSession, bobAd] = bobResponds(initiated.header);
    bob = bob.withNewSession(std::move(bobSession), bobAd);

    QCOMPARE(receive(bob, fresh), std::make_pair(QByteArray("new"), std::size_t{0}));
    QCOMPARE(receive(bob, oldFromAlice2), std::make_pair(QByteArray("old 2"), std::size_t{1}));
    QCOMPARE(receive(bob, oldFromAlice1), std::make_pair(QByteArray("old 1"), std::size_t{1}));
    QCOMPARE(failure(bob, oldFromAlice1), RatchetError::Duplicate);
    QCOMPARE(receive(alice, oldFromBob),
             std::make_pair(QByteArray("old from bob"), std::size_t{1}));
    QCOMPARE(receive(alice, send(bob, "new reply")),
             std::make_pair(QByteArray("new reply"), std::size_t{0}));
}

void TestSessionReset::previousSessionsAreBounded()
{
    auto [alice, bob] = establish();
    const std::vector<Byte> fromFirst = send(alice, "first session");
    for (int reset = 0; reset < 3; ++reset) {
        Initiated initiated = initiateToBob();
        alice = alice.withNewSession(std::move(initiated.session), initiated.ad);
        auto [bobSession, bobAd] = bobResponds(initiated.header);
        bob = bob.withNewSession(std::move(bobSession), bobAd);
        QCOMPARE(bob.previousCount(), std::min<std::size_t>(reset + 1, kMaxPreviousSessions));
        if (reset == 0) {
            // Still held as a previous session after one reset.
            PeerSessions copy = bob;
            QCOMPARE(receive(copy, fromFirst).second, std::size_t{1});
        }
    }
    QCOMPARE(alice.previousCount(), kMaxPreviousSessions);
    // Three resets later the first session is gone: its late message no longer decrypts.
    QVERIFY(std::holds_alternative<RatchetError>(bob.decrypt(fromFirst)));
    QCOMPARE(receive(bob, send(alice, "current")).first, QByteArray("current"));
    QCOMPARE(bob.withoutPreviousSessions().previousCount(), std::size_t{0});
}

void TestSessionReset::peerSessionsDecryptIsTransactional()
{
    auto [alice, bob] = establish();
    Initiated initiated = initiateToBob();
    alice = alice.withNewSession(std::move(initiated.session), initiated.ad);
    auto [bobSession, bobAd] = bobResponds(initiated.header);
    bob = bob.withNewSession(std::move(bobSession), bobAd);
    std::vector<Byte> message = send(alice, "tamper with me");
    const WipedBytes before = bob.serialize();
    for (std::size_t i : {std::size_t{0}, std::size_t{5}, std::size_t{40}, message.size() - 1}) {
        std::vector<Byte> tampered = message;
        tampered[i] ^= 0x01;
        QVERIFY(std::holds_alternative<RatchetError>(bob.decrypt(tampered)));
        QVERIFY(bob.serialize() == before);
    }
    QCOMPARE(receive(bob, message).first, QByteArray("tamper with me"));
}

void TestSessionReset::resetOutsideEnvelopeIgnored()
{
    const auto request = std::get<SessionResetRequest>(SessionResetRequest::make({kSentToBob}));
    const std::vector<Byte> raw = request.serialize();
    SessionResetRateLimiter limiter;

    // The raw request, delivered without an envelope: openEnvelope refuses it, and so the
    // reset is ignored.
    QCOMPARE(std::get<SessionResetIgnored>(
                 acceptSessionReset(aliceOpens(raw), aliceKnowsBob(), aliceSentToBob(), limiter)),
             SessionResetIgnored::NotAuthenticated);
    // An envelope that fails to open (one bit flipped anywhere): ignored.
    const std::vector<Byte> envelope = sealFromBob(raw);
    for (std::size_t i = 0; i < envelope.size(); i += 37) {
        std::vector<Byte> tampered = envelope;
        tampered[i] ^= 0x80;
        QCOMPARE(std::get<SessionResetIgnored>(acceptSessionReset(
                     aliceOpens(tampered), aliceKnowsBob(), aliceSentToBob(), limiter)),
                 SessionResetIgnored::NotAuthenticated);
    }
    // An envelope sealed to someone else (Bob to himself) does not open for Alice.
    const std::vector<Byte> toBob = std::get<std::vector<Byte>>(
        sealEnvelope(m_parties->bob, m_parties->bob.identityKey().publicKey(), raw));
    QCOMPARE(std::get<SessionResetIgnored>(
                 acceptSessionReset(aliceOpens(toBob), aliceKnowsBob(), aliceSentToBob(), limiter)),
             SessionResetIgnored::NotAuthenticated);
    QCOMPARE(limiter.trackedPeers(), std::size_t{0});
    // The intact envelope is accepted: the cases above fail for the stated reason only.
    QVERIFY(std::holds_alternative<AcceptedSessionReset>(
        acceptSessionReset(aliceOpens(envelope), aliceKnowsBob(), aliceSentToBob(), limiter)));
}

void TestSessionReset::unknownContactIgnored()
{
    const std::vector<Byte> envelope = sealFromBob(
        std::get<SessionResetRequest>(SessionResetRequest::make({kSentToBob})).serialize());
    SessionResetRateLimiter limiter;
    // Nothing pinned for Bob (first contact): no session to reset.
    const auto unpinned = openEnvelope(m_parties->alice, envelope);
    QVERIFY(std::holds_alternative<OpenedSealedMessage>(unpinned));
    QCOMPARE(std::get<SessionResetIgnored>(
                 acceptSessionReset(unpinned, aliceKnowsBob(), aliceSentToBob(), limiter)),
             SessionResetIgnored::UnknownContact);
    // Pinned, but core says not a known contact (e.g. blocked), or gives no check at all.
    const KnownContactCheck blocked = [](const DeviceCertificate &) { return false; };
    QCOMPARE(std::get<SessionResetIgnored>(
                 acceptSessionReset(aliceOpens(envelope), blocked, aliceSentToBob(), limiter)),
             SessionResetIgnored::UnknownContact);
    QCOMPARE(std::get<SessionResetIgnored>(acceptSessionReset(
                 aliceOpens(envelope), KnownContactCheck{}, aliceSentToBob(), limiter)),
             SessionResetIgnored::UnknownContact);
    QVERIFY(std::holds_alternative<AcceptedSessionReset>(
        acceptSessionReset(aliceOpens(envelope), aliceKnowsBob(), aliceSentToBob(), limiter)));
}

void TestSessionReset::malformedRequestIgnored()
{
    SessionResetRateLimiter limiter;
    const std::vector<Byte> valid =
        std::get<SessionResetRequest>(SessionResetRequest::make({kSentToBob})).serialize();
    std::vector<Byte> trailing = valid;
    trailing.push_back(0);
    std::vector<Byte> otherVersion = valid;
    otherVersion[1] = 0x02;
    const std::vector<Byte> ratchetLike(121, 0x01); // an ordinary ratchet message's first byte
    for (const std::vector<Byte> &content : {trailing, otherVersion, ratchetLike}) {
        QCOMPARE(std::get<SessionResetIgnored>(acceptSessionReset(
                     aliceOpens(sealFromBob(content)), aliceKnowsBob(), aliceSentToBob(), limiter)),
                 SessionResetIgnored::Malformed);
    }
    // A malformed request does not use up the peer's rate-limit slot.
    QVERIFY(std::holds_alternative<AcceptedSessionReset>(acceptSessionReset(
        aliceOpens(sealFromBob(valid)), aliceKnowsBob(), aliceSentToBob(), limiter)));
}

void TestSessionReset::rateLimited()
{
    FakeClock clock;
    SessionResetRateLimiter limiter(kSessionResetMinInterval, clock.clock());
    const std::vector<Byte> envelope = sealFromBob(
        std::get<SessionResetRequest>(SessionResetRequest::make({kSentToBob})).serialize());
    const auto decide = [&] {
        return acceptSessionReset(aliceOpens(envelope), aliceKnowsBob(), aliceSentToBob(), limiter);
    };

    QVERIFY(std::holds_alternative<AcceptedSessionReset>(decide()));
    QCOMPARE(std::get<SessionResetIgnored>(decide()), SessionResetIgnored::RateLimited);
    clock.now += kSessionResetMinInterval - 1s;
    QCOMPARE(std::get<SessionResetIgnored>(decide()), SessionResetIgnored::RateLimited);
    // Per peer: another device is not affected.
    QVERIFY(limiter.tryAcquire(device("carol@relay.example/2")));
    QVERIFY(!limiter.tryAcquire(device("carol@relay.example/2")));
    clock.now += 1s;
    QVERIFY(std::holds_alternative<AcceptedSessionReset>(decide()));
    QCOMPARE(std::get<SessionResetIgnored>(decide()), SessionResetIgnored::RateLimited);
    // Old entries are forgotten, so the limiter's memory stays bounded.
    clock.now += kSessionResetMinInterval * 2;
    QVERIFY(limiter.tryAcquire(device("dave@relay.example/1")));
    QCOMPARE(limiter.trackedPeers(), std::size_t{1});
    QCOMPARE(QString::fromUtf8(describe(SessionResetIgnored::RateLimited)).isEmpty(), false);
}

namespace {

FailedMessage named(Byte first, std::uint32_t n)
{
    FailedMessage failed;
    const std::vector<Byte> key = pattern(first);
    std::copy(key.begin(), key.end(), failed.ratchetKey.begin());
    failed.messageNumber = n;
    return failed;
}

// Frozen (docs/protocol.md C2a §2.2): the request's content; zeros follow to 2362 bytes.
// clang-format off
const char *const kFrozenRequestContent =
    "f00102"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f00000007"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f00000000";
// clang-format on

// `content` followed by zero bytes up to the request's fixed size.
QByteArray padded(QByteArray content)
{
    if (content.size() < qsizetype(kSessionResetRequestBytes)) {
        content.append(QByteArray(qsizetype(kSessionResetRequestBytes) - content.size(), '\0'));
    }
    return content;
}

const QByteArray kFrozenRequest = padded(QByteArray::fromHex(kFrozenRequestContent)).toHex();

} // namespace

void TestSessionReset::requestRoundTrip()
{
    // Unsorted with a duplicate in, sorted and unique out.
    const auto request = std::get<SessionResetRequest>(SessionResetRequest::make(
        {named(0x40, 9), named(0x20, 1), named(0x40, 2), named(0x20, 1)}));
    QCOMPARE(request.failedMessages.size(), std::size_t{3});
    QVERIFY(request.failedMessages[0] == named(0x20, 1));
    QVERIFY(request.failedMessages[1] == named(0x40, 2));
    QVERIFY(request.failedMessages[2] == named(0x40, 9));
    const std::vector<Byte> bytes = request.serialize();
    // Every request has the same size (that of a framed 0x01 ratchet message, C2a §2.1).
    QCOMPARE(bytes.size(), kSessionResetRequestBytes);
    QCOMPARE(kSessionResetRequestBytes, std::size_t{2362});
    QVERIFY(std::get<SessionResetRequest>(SessionResetRequest::parse(bytes)) == request);
}

void TestSessionReset::requestFrozenVector()
{
    const auto request =
        std::get<SessionResetRequest>(SessionResetRequest::make({named(0x40, 0), named(0x20, 7)}));
    QCOMPARE(toHex(request.serialize()), kFrozenRequest);
    QVERIFY(std::get<SessionResetRequest>(
                SessionResetRequest::parse(fromHex(kFrozenRequest.constData()))) == request);
}

void TestSessionReset::requestParserRejects_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<int>("expected");
    const QByteArray valid = QByteArray::fromHex(kFrozenRequest);
    const int malformed = int(SessionResetRequestError::Malformed);
    QTest::newRow("empty") << QByteArray() << malformed;
    QTest::newRow("kind only") << valid.left(1) << malformed;
    QTest::newRow("no count") << valid.left(2) << malformed;
    QTest::newRow("wrong kind (ratchet message)")
        << (QByteArray(1, '\x01') + valid.mid(1)) << malformed;
    QTest::newRow("version 2") << (valid.left(1) + QByteArray(1, '\x02') + valid.mid(2))
                               << int(SessionResetRequestError::UnsupportedVersion);
    QTest::newRow("truncated by one") << valid.chopped(1) << malformed;
    QTest::newRow("one entry short") << valid.chopped(36) << malformed;
    QTest::newRow("unpadded") << valid.left(3 + 2 * 36) << malformed;
    QTest::newRow("trailing byte") << (valid + QByteArray(1, '\0')) << malformed;
    QByteArray nonZeroPadding = valid;
    nonZeroPadding[nonZeroPadding.size() - 1] = '\x01';
    QTest::newRow("non-zero padding, last byte") << nonZeroPadding << malformed;
    nonZeroPadding = valid;
    nonZeroPadding[3 + 2 * 36] = '\x01';
    QTest::newRow("non-zero padding, first byte") << nonZeroPadding << malformed;
    QByteArray unsorted = padded(valid.left(3) + valid.mid(39, 36) + valid.mid(3, 36));
    QTest::newRow("unsorted") << unsorted << malformed;
    QByteArray duplicate = padded(valid.left(3) + valid.mid(3, 36) + valid.mid(3, 36));
    QTest::newRow("duplicate") << duplicate << malformed;
    QByteArray tooMany = QByteArray::fromHex("f00141");
    for (int i = 0; i < 65; ++i) {
        tooMany += QByteArray(32, '\x11') + QByteArray::fromHex("000000") + char(i);
    }
    QTest::newRow("65 entries") << padded(tooMany) << malformed;
    QByteArray countTooHigh = valid;
    countTooHigh[2] = 3; // the third "entry" is padding: all-zero key sorts first
    QTest::newRow("count above entries") << countTooHigh << malformed;
    QTest::newRow("valid") << valid << -1;
}

void TestSessionReset::requestParserRejects()
{
    QFETCH(QByteArray, input);
    QFETCH(int, expected);
    const std::vector<Byte> bytes(input.begin(), input.end());
    const auto parsed = SessionResetRequest::parse(bytes);
    if (expected < 0) {
        QVERIFY(std::holds_alternative<SessionResetRequest>(parsed));
        return;
    }
    QVERIFY(std::holds_alternative<SessionResetRequestError>(parsed));
    QCOMPARE(int(std::get<SessionResetRequestError>(parsed)), expected);
}

void TestSessionReset::requestBounds()
{
    std::vector<FailedMessage> names;
    for (std::uint32_t n = 0; n < kMaxSessionResetFailedMessages; ++n) {
        names.push_back(named(0x11, n));
    }
    const auto full = std::get<SessionResetRequest>(SessionResetRequest::make(names));
    const std::vector<Byte> bytes = full.serialize();
    QCOMPARE(bytes.size(), kMaxSessionResetRequestBytes);
    QVERIFY(std::get<SessionResetRequest>(SessionResetRequest::parse(bytes)) == full);
    names.push_back(named(0x11, 1000));
    QCOMPARE(std::get<SessionResetRequestError>(SessionResetRequest::make(names)),
             SessionResetRequestError::TooManyMessages);
    // The empty request (state lost, nothing to name) is valid.
    const auto empty = std::get<SessionResetRequest>(SessionResetRequest::make({}));
    QCOMPARE(toHex(empty.serialize()), padded(QByteArray::fromHex("f00100")).toHex());
}

void TestSessionReset::failedMessageFromHeader()
{
    auto [alice, bob] = establish();
    send(alice, "zero");
    const std::vector<Byte> second = send(alice, "one");
    const auto name = failedMessageOf(second);
    QVERIFY(name.has_value());
    QVERIFY(name->ratchetKey == alice.current().ratchetPublicKey());
    QCOMPARE(name->messageNumber, 1u);
    QVERIFY(!failedMessageOf(std::vector<Byte>(second.begin(), second.begin() + 41)));
}

void TestSessionReset::peerSessionsSerialization()
{
    auto [alice, bob] = establish();
    QCOMPARE(receive(bob, send(alice, "x")).first, QByteArray("x"));
    Initiated initiated = initiateToBob();
    alice = alice.withNewSession(std::move(initiated.session), initiated.ad);
    const WipedBytes bytes = alice.serialize();
    QCOMPARE(bytes.data()[0], kPeerSessionsVersion);
    QCOMPARE(bytes.data()[1], Byte{2});
    const auto again = std::get<PeerSessions>(PeerSessions::deserialize(bytes.view()));
    QVERIFY(again.serialize() == bytes);
    QCOMPARE(again.previousCount(), std::size_t{1});
    QVERIFY(std::equal(again.currentAssociatedData().begin(), again.currentAssociatedData().end(),
                       initiated.ad.begin(), initiated.ad.end()));
}

void TestSessionReset::peerSessionsParserRejects_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<int>("expected");
    init();
    auto [alice, bob] = establish();
    const WipedBytes state = alice.serialize();
    const QByteArray valid(reinterpret_cast<const char *>(state.data()), qsizetype(state.size()));
    const int malformed = int(RatchetError::MalformedState);
    const qsizetype adSize = (uchar(valid[2]) << 8) | uchar(valid[3]);
    QTest::newRow("empty") << QByteArray() << malformed;
    QTest::newRow("version 2") << (QByteArray(1, '\x02') + valid.mid(1))
                               << int(RatchetError::UnsupportedStateVersion);
    QTest::newRow("version only") << valid.left(1) << malformed;
    QTest::newRow("count 0") << (valid.left(1) + QByteArray(1, '\0') + valid.mid(2)) << malformed;
    QTest::newRow("count 4") << (valid.left(1) + QByteArray(1, '\x04') + valid.mid(2)) << malformed;
    QTest::newRow("count 2, one entry")
        << (valid.left(1) + QByteArray(1, '\x02') + valid.mid(2)) << malformed;
    QTest::newRow("AD length 0") << (valid.left(2) + QByteArray(2, '\0') + valid.mid(4))
                                 << malformed;
    QTest::newRow("AD length 652")
        << (valid.left(2) + QByteArray::fromHex("028c") + valid.mid(4)) << malformed;
    QTest::newRow("truncated") << valid.chopped(1) << malformed;
    QTest::newRow("trailing byte") << (valid + QByteArray(1, '\0')) << malformed;
    QByteArray stateTooLong = valid;
    stateTooLong[4 + adSize] = '\x7f'; // u32 state length's high byte
    QTest::newRow("state length too large") << stateTooLong << malformed;
    QByteArray badState = valid;
    badState[4 + adSize + 4] = '\x09'; // the nested state's version byte
    QTest::newRow("nested state version") << badState << int(RatchetError::UnsupportedStateVersion);
    QTest::newRow("valid") << valid << -1;
}

void TestSessionReset::peerSessionsParserRejects()
{
    QFETCH(QByteArray, input);
    QFETCH(int, expected);
    const std::vector<Byte> bytes(input.begin(), input.end());
    const auto parsed = PeerSessions::deserialize(bytes);
    if (expected < 0) {
        QVERIFY(std::holds_alternative<PeerSessions>(parsed));
        return;
    }
    QVERIFY(std::holds_alternative<RatchetError>(parsed));
    QCOMPARE(int(std::get<RatchetError>(parsed)), expected);
}

// C2a §3 step 4: a request is fresh only if it names a message the acceptor sent on its
// current session with that peer. A relay that replays Bob's old (valid, authenticated) request
// after the interval gets Stale once Alice's session has been replaced; so does a request
// naming nothing she sent, or nothing at all; and a stale request uses up no rate-limit slot.
void TestSessionReset::replayedOldRequestIsStale()
{
    auto [alice, bob] = establish();
    QCOMPARE(receive(bob, send(alice, "a1")).first, QByteArray("a1"));
    // Alice's record of what she sent on her current session: core's sent-message table.
    std::set<FailedMessage> sentOnCurrent;
    const auto sendRecorded = [&](const char *plaintext) {
        std::vector<Byte> message = send(alice, plaintext);
        sentOnCurrent.insert(*failedMessageOf(message));
        return message;
    };
    const SentMessageCheck sentCheck = [&](const DeviceCertificate &peer,
                                           const FailedMessage &message) {
        return peer.address == m_parties->bob.address() && sentOnCurrent.contains(message);
    };
    FakeClock clock;
    SessionResetRateLimiter limiter(kSessionResetMinInterval, clock.clock());

    const std::vector<Byte> a2 = sendRecorded("a2");
    const std::vector<Byte> oldEnvelope =
        sealFromBob(std::get<SessionResetRequest>(SessionResetRequest::make({*failedMessageOf(a2)}))
                        .serialize());
    // Stale requests first: they must not use up the slot.
    FailedMessage neverSent;
    neverSent.messageNumber = 77;
    const std::vector<Byte> bogus = sealFromBob(
        std::get<SessionResetRequest>(SessionResetRequest::make({neverSent})).serialize());
    QCOMPARE(std::get<SessionResetIgnored>(
                 acceptSessionReset(aliceOpens(bogus), aliceKnowsBob(), sentCheck, limiter)),
             SessionResetIgnored::Stale);
    const std::vector<Byte> empty =
        sealFromBob(std::get<SessionResetRequest>(SessionResetRequest::make({})).serialize());
    QCOMPARE(std::get<SessionResetIgnored>(
                 acceptSessionReset(aliceOpens(empty), aliceKnowsBob(), sentCheck, limiter)),
             SessionResetIgnored::Stale);
    QCOMPARE(std::get<SessionResetIgnored>(
                 acceptSessionReset(aliceOpens(oldEnvelope), aliceKnowsBob(), {}, limiter)),
             SessionResetIgnored::Stale); // an empty check counts as no

    // The real request is accepted; Alice replaces her session and her sent records with it.
    QVERIFY(std::holds_alternative<AcceptedSessionReset>(
        acceptSessionReset(aliceOpens(oldEnvelope), aliceKnowsBob(), sentCheck, limiter)));
    Initiated initiated = initiateToBob();
    alice = alice.withNewSession(std::move(initiated.session), initiated.ad);
    sentOnCurrent.clear();
    (void)sendRecorded("a2 (resent)");

    // Eleven minutes later the relay replays the old envelope: the rate limit would let it
    // through, freshness does not (without the check it would force another X3DH).
    clock.now += kSessionResetMinInterval + std::chrono::minutes(1);
    QCOMPARE(std::get<SessionResetIgnored>(
                 acceptSessionReset(aliceOpens(oldEnvelope), aliceKnowsBob(), sentCheck, limiter)),
             SessionResetIgnored::Stale);
    QVERIFY(QString::fromUtf8(describe(SessionResetIgnored::Stale)).size() > 10);
}

QTEST_GUILESS_MAIN(TestSessionReset)
#include "tst_sessionreset.moc"

// A long Double Ratchet conversation (issue 10): 10 000 messages between two parties with
// random direction changes, reordering within the limits, drops and duplicates, and the
// sessions persisted and restored along the way. Every delivered message decrypts exactly
// once, every duplicate is reported as Duplicate, and nothing else fails. The schedule comes
// from a fixed-seed std::mt19937, so a failure reproduces.

#include "crypto/ratchetsession.h"
#include "ratchettesthelpers.h"

#include <QElapsedTimer>
#include <QTest>

#include <deque>
#include <random>
#include <sodium.h>

using namespace parley::crypto;
using namespace ratchettest;

namespace {

struct InFlight
{
    std::vector<Byte> message;
    QByteArray text;
    int sentAt = 0; // step at which it was sent
};

constexpr int kMessages = 10000;
constexpr std::size_t kReorderWindow = 6; // a delivery picks any of the 6 oldest in flight
constexpr int kMaxAge = 12;               // ... and the oldest once it is 12 steps old
constexpr unsigned kDropPercent = 5;
constexpr unsigned kDuplicatePercent = 5;
constexpr unsigned kTurnPercent = 30;

} // namespace

class TestRatchetConversation : public QObject
{
    Q_OBJECT

private slots:
    void longConversation();
};

void TestRatchetConversation::longConversation()
{
    std::mt19937 rng(0x5eed2024u);
    auto percent = [&rng](unsigned p) { return rng() % 100 < p; };
    const std::vector<Byte> ad = bytes("alice@relay/1 bob@relay/1");

    const RatchetKeyPair bobKey = RatchetKeyPair::generate();
    WipedBytes sk(32);
    randombytes_buf(sk.data(), sk.size());
    std::vector<RatchetSession> party;
    party.push_back(unwrap(RatchetSession::initAlice(sk.view(), bobKey.publicKey())));
    party.push_back(unwrap(RatchetSession::initBob(sk.view(), bobKey)));

    std::deque<InFlight> toParty[2];
    std::deque<InFlight> recentlyDelivered[2]; // candidates for duplicates
    int delivered = 0, dropped = 0, duplicates = 0, reordered = 0, turns = 0, restores = 0;
    std::size_t maxSkipped = 0;

    auto deliver = [&](int to) -> bool {
        std::deque<InFlight> &queue = toParty[to];
        if (queue.empty()) {
            return true;
        }
        std::size_t pick = rng() % std::min(queue.size(), kReorderWindow);
        if (queue.front().sentAt + kMaxAge < delivered + dropped + duplicates) {
            pick = 0;
        }
        reordered += pick != 0;
        InFlight item = std::move(queue[pick]);
        queue.erase(queue.begin() + static_cast<std::ptrdiff_t>(pick));
        if (percent(kDropPercent)) {
            ++dropped;
            return true;
        }
        auto result = party[to].decrypt(ad, item.message);
        auto *decryption = std::get_if<RatchetDecryption>(&result);
        if (!decryption) {
            qWarning("message '%s' to party %d: %s", item.text.constData(), to,
                     qPrintable(outcome(result)));
            return false;
        }
        if (QByteArray(reinterpret_cast<const char *>(decryption->plaintext.data()),
                       static_cast<qsizetype>(decryption->plaintext.size())) != item.text) {
            qWarning("message '%s' decrypted to something else", item.text.constData());
            return false;
        }
        party[to] = std::move(decryption->session);
        maxSkipped = std::max(maxSkipped, party[to].skippedKeyCount());
        ++delivered;
        recentlyDelivered[to].push_back(std::move(item));
        if (recentlyDelivered[to].size() > 4) {
            recentlyDelivered[to].pop_front();
        }
        return true;
    };
    auto duplicate = [&](int to) -> bool {
        if (recentlyDelivered[to].empty()) {
            return true;
        }
        const InFlight &again = recentlyDelivered[to][rng() % recentlyDelivered[to].size()];
        const QByteArray before = serialized(party[to]);
        const auto result = party[to].decrypt(ad, again.message);
        ++duplicates;
        if (outcome(result) != outcome(RatchetError::Duplicate) ||
            serialized(party[to]) != before) {
            qWarning("duplicate of '%s' to party %d: %s", again.text.constData(), to,
                     qPrintable(outcome(result)));
            return false;
        }
        return true;
    };

    QElapsedTimer timer;
    timer.start();
    int sender = 0;
    for (int id = 0; id < kMessages; ++id) {
        if (percent(kTurnPercent) && party[1 - sender].canSend()) {
            sender = 1 - sender;
            ++turns;
        }
        const QByteArray text =
            QByteArray::number(id) + ':' + QByteArray(static_cast<int>(rng() % 200), 'x');
        std::vector<Byte> message = send(party[sender], ad, text);
        toParty[1 - sender].push_back({std::move(message), text, delivered + dropped + duplicates});

        for (int to = 0; to < 2; ++to) {
            const unsigned deliveries = rng() % 3;
            for (unsigned i = 0; i < deliveries; ++i) {
                QVERIFY(deliver(to));
            }
            if (percent(kDuplicatePercent)) {
                QVERIFY(duplicate(to));
            }
        }
        if (id % 1000 == 999) { // persisted and restored, as after an app restart
            for (RatchetSession &session : party) {
                session = unwrap(RatchetSession::deserialize(bytes(serialized(session))));
            }
            ++restores;
        }
    }
    for (int to = 0; to < 2; ++to) {
        while (!toParty[to].empty()) {
            QVERIFY(deliver(to));
        }
    }
    qInfo("%d delivered, %d dropped, %d duplicates, %d reordered, %d turns, %d restores, "
          "at most %zu skipped keys, %lld ms",
          delivered, dropped, duplicates, reordered, turns, restores, maxSkipped,
          static_cast<long long>(timer.elapsed()));

    QCOMPARE(delivered + dropped, kMessages);
    // The schedule exercised what it claims to (the test would be vacuous otherwise).
    QVERIFY(dropped > 200);
    QVERIFY(duplicates > 200);
    QVERIFY(reordered > 1000);
    QVERIFY(turns > 1000);
    QVERIFY(maxSkipped > 0 && maxSkipped <= kMaxSkippedKeys);
}

QTEST_GUILESS_MAIN(TestRatchetConversation)
#include "tst_ratchetconversation.moc"

// Message contents (docs/protocol.md M1): round trips, the exact layout and bad input.

#include "core/session/messagecontent.h"

#include <QTest>

using namespace parley::core;
using Kind = MessageContent::Kind;
using Error = MessageContent::Error;

Q_DECLARE_METATYPE(MessageContent::Error)

namespace {

QByteArray header(quint8 kind)
{
    QByteArray bytes;
    bytes.append(char(0x01));
    bytes.append(char(kind));
    bytes.append(QByteArray(16, '\x11'));
    bytes.append(QByteArray::fromHex("0000018c00000001"));
    return bytes;
}

} // namespace

class TestMessageContent : public QObject
{
    Q_OBJECT

private slots:
    void layoutOfAText();
    void layoutOfAResentText();
    void roundTrips();
    void rejects_data();
    void rejects();
};

void TestMessageContent::layoutOfAText()
{
    MessageContent text;
    text.kind = Kind::Text;
    text.clientMessageId = QByteArray(16, '\x11');
    text.sentAt = 0x18c00000001;
    text.text = QStringLiteral("hé");
    QCOMPARE(text.encode(), header(0x01) + QByteArray("h\xc3\xa9"));
}

void TestMessageContent::layoutOfAResentText()
{
    // M1 §2 kind 0x05: original id ‖ ratchet key ‖ u32 N ‖ text, after the common header.
    MessageContent resent;
    resent.kind = Kind::ResentText;
    resent.clientMessageId = QByteArray(16, '\x11');
    resent.sentAt = 0x18c00000001;
    resent.originalId = QByteArray(16, '\x22');
    resent.failedRatchetKey = QByteArray(32, '\x33');
    resent.failedMessageNumber = 0x01020304;
    resent.text = QStringLiteral("hé");
    QCOMPARE(resent.encode(), header(0x05) + QByteArray(16, '\x22') + QByteArray(32, '\x33') +
                                  QByteArray::fromHex("01020304") + QByteArray("h\xc3\xa9"));
    // Invalid values do not encode.
    MessageContent bad = resent;
    bad.originalId = QByteArray(15, 'a');
    QVERIFY(bad.encode().isEmpty());
    bad = resent;
    bad.failedRatchetKey = QByteArray(31, 'a');
    QVERIFY(bad.encode().isEmpty());
    bad = resent;
    bad.text.clear();
    QVERIFY(bad.encode().isEmpty());
    bad.text = QString(kMaxTextBytes + 1, u'x');
    QVERIFY(bad.encode().isEmpty());
    // The longest text encodes and decodes.
    bad.text = QString(kMaxTextBytes, u'x');
    const QByteArray longest = bad.encode();
    QCOMPARE(longest.size(), kMessageContentHeaderBytes + kResentPrefixBytes + kMaxTextBytes);
    QVERIFY(std::holds_alternative<MessageContent>(MessageContent::decode(longest)));
}

void TestMessageContent::roundTrips()
{
    const QByteArray a(16, 'a');
    const QByteArray b(16, 'b');
    const std::vector<MessageContent> contents{
        MessageContent::makeText(QStringLiteral("hello ✓"), 1234),
        MessageContent::makeReceipt(Kind::DeliveryReceipt, {a}, 5),
        MessageContent::makeReceipt(Kind::ReadReceipt, {a, b}, 6),
        MessageContent::makeTyping(true, 7),
        MessageContent::makeTyping(false, 8),
        MessageContent::makeResentText(a, QByteArray(32, 'k'), 4294967295u,
                                       QStringLiteral("again ✓"), 9),
    };
    for (const MessageContent &content : contents) {
        const QByteArray bytes = content.encode();
        QVERIFY(!bytes.isEmpty());
        auto decoded = MessageContent::decode(bytes);
        QVERIFY(std::holds_alternative<MessageContent>(decoded));
        const auto &back = std::get<MessageContent>(decoded);
        QCOMPARE(back.kind, content.kind);
        QCOMPARE(back.clientMessageId, content.clientMessageId);
        QCOMPARE(back.sentAt, content.sentAt);
        QCOMPARE(back.text, content.text);
        QCOMPARE(back.receiptIds, content.receiptIds);
        QCOMPARE(back.typing, content.typing);
        QCOMPARE(back.originalId, content.originalId);
        QCOMPARE(back.failedRatchetKey, content.failedRatchetKey);
        QCOMPARE(back.failedMessageNumber, content.failedMessageNumber);
        QCOMPARE(back.encode(), bytes);
    }
    QCOMPARE(MessageContent::newClientMessageId().size(), 16);
    QVERIFY(MessageContent::newClientMessageId() != MessageContent::newClientMessageId());
    // Invalid values do not encode.
    QVERIFY(MessageContent::makeText(QString(), 1).encode().isEmpty());
    QVERIFY(MessageContent::makeText(QString(kMaxTextBytes + 1, u'x'), 1).encode().isEmpty());
    QVERIFY(MessageContent::makeReceipt(Kind::ReadReceipt, {}, 1).encode().isEmpty());
}

void TestMessageContent::rejects_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<Error>("error");
    QTest::newRow("empty") << QByteArray() << Error::Malformed;
    QTest::newRow("version 2") << QByteArray("\x02\x01") << Error::UnsupportedVersion;
    QTest::newRow("truncated header") << header(0x01).left(25) << Error::Malformed;
    QTest::newRow("kind 0") << header(0x00) + "x" << Error::UnknownKind;
    QTest::newRow("kind 6") << header(0x06) + "x" << Error::UnknownKind;
    const QByteArray prefix = QByteArray(16, 'o') + QByteArray(32, 'k') + QByteArray(4, '\0');
    QTest::newRow("resent empty") << header(0x05) << Error::Malformed;
    QTest::newRow("resent prefix only") << header(0x05) + prefix << Error::Malformed;
    QTest::newRow("resent truncated prefix") << header(0x05) + prefix.left(51) << Error::Malformed;
    QTest::newRow("resent text too long")
        << header(0x05) + prefix + QByteArray(kMaxTextBytes + 1, 'x') << Error::Malformed;
    QTest::newRow("resent not utf-8")
        << header(0x05) + prefix + QByteArray("\xc3") << Error::InvalidText;
    QTest::newRow("empty text") << header(0x01) << Error::Malformed;
    QTest::newRow("text too long")
        << header(0x01) + QByteArray(kMaxTextBytes + 1, 'x') << Error::Malformed;
    QTest::newRow("not utf-8") << header(0x01) + QByteArray("\xff\xfe") << Error::InvalidText;
    QTest::newRow("receipt without count") << header(0x02) << Error::Malformed;
    QTest::newRow("receipt n = 0") << header(0x02) + QByteArray(2, '\0') << Error::Malformed;
    QTest::newRow("receipt short")
        << header(0x02) + QByteArray("\x00\x01", 2) + QByteArray(15, 'a') << Error::Malformed;
    QTest::newRow("receipt trailing")
        << header(0x03) + QByteArray("\x00\x01", 2) + QByteArray(17, 'a') << Error::Malformed;
    QTest::newRow("receipt n = 257")
        << header(0x02) + QByteArray("\x01\x01", 2) + QByteArray(257 * 16, 'a') << Error::Malformed;
    QTest::newRow("typing empty") << header(0x04) << Error::Malformed;
    QTest::newRow("typing 2") << header(0x04) + QByteArray("\x02") << Error::Malformed;
    QTest::newRow("typing trailing")
        << header(0x04) + QByteArray("\x01\x00", 2) << Error::Malformed;
}

void TestMessageContent::rejects()
{
    QFETCH(QByteArray, bytes);
    QFETCH(Error, error);
    auto decoded = MessageContent::decode(bytes);
    QVERIFY(std::holds_alternative<Error>(decoded));
    QCOMPARE(std::get<Error>(decoded), error);
}

QTEST_GUILESS_MAIN(TestMessageContent)
#include "tst_messagecontent.moc"

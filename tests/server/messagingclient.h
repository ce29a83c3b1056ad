#pragma once

// Test helpers for the relay's messaging protocol (docs/protocol.md R2) on top of
// accountclient.h: request builders, the deliveries a client has received, and an
// auto-acking mode. Field layouts come from protocol/wire.proto only.

#include "accountclient.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QUrl>

#include <atomic>

namespace parley::test {

inline wire::Request sendRequest(const std::vector<std::string> &recipients,
                                 const QByteArray &envelope, const QByteArray &clientMessageId,
                                 bool ephemeral = false)
{
    wire::Request request;
    wire::Send *send = request.mutable_send();
    for (const std::string &recipient : recipients) {
        send->add_recipients(recipient);
    }
    send->set_envelope(envelope.toStdString());
    send->set_client_message_id(clientMessageId.toStdString());
    send->set_ephemeral(ephemeral);
    return request;
}

inline wire::Request multiRequest(const std::vector<std::string> &recipients,
                                  const QByteArray &body, const QList<QByteArray> &sealedKeys,
                                  const QByteArray &clientMessageId)
{
    wire::Request request;
    wire::Send *send = request.mutable_send();
    for (const std::string &recipient : recipients) {
        send->add_recipients(recipient);
    }
    send->mutable_multi()->set_body(body.toStdString());
    for (const QByteArray &key : sealedKeys) {
        send->mutable_multi()->add_sealed_keys(key.toStdString());
    }
    send->set_client_message_id(clientMessageId.toStdString());
    return request;
}

inline wire::Request ackRequest(const QList<quint64> &rowIds)
{
    wire::Request request;
    wire::Ack *ack = request.mutable_ack();
    for (quint64 id : rowIds) {
        ack->add_row_ids(id);
    }
    return request;
}

// A distinct 16-byte client_message_id.
inline QByteArray messageId(int n)
{
    QByteArray id(16, '\0');
    id[0] = 'M';
    for (int i = 0; i < 4; ++i) {
        id[12 + i] = static_cast<char>((n >> (24 - 8 * i)) & 0xff);
    }
    return id;
}

// Every delivery item received so far, in arrival order.
inline QList<wire::Delivery> deliveries(const AccountClient &client)
{
    QList<wire::Delivery> result;
    for (const wire::Frame &frame : client.frames) {
        if (frame.has_push() && frame.push().has_deliver()) {
            for (const wire::Delivery &delivery : frame.push().deliver().deliveries()) {
                result.append(delivery);
            }
        }
    }
    return result;
}

inline int deliverFrames(const AccountClient &client)
{
    int count = 0;
    for (const wire::Frame &frame : client.frames) {
        count += frame.has_push() && frame.push().has_deliver();
    }
    return count;
}

inline bool drained(const AccountClient &client)
{
    for (const wire::Frame &frame : client.frames) {
        if (frame.has_push() && frame.push().has_queue_drained()) {
            return true;
        }
    }
    return false;
}

// Acks every delivery as it arrives (one Ack per Deliver frame).
inline void autoAck(AccountClient &client)
{
    QObject::connect(
        &client.socket, &QWebSocket::binaryMessageReceived, [&client](const QByteArray &b) {
            auto decoded = protocol::decodeFrame(b);
            const auto *frame = std::get_if<wire::Frame>(&decoded);
            if (!frame || !frame->has_push() || !frame->push().has_deliver()) {
                return;
            }
            QList<quint64> ids;
            for (const wire::Delivery &delivery : frame->push().deliver().deliveries()) {
                if (delivery.row_id() != 0) {
                    ids.append(delivery.row_id());
                }
            }
            if (!ids.isEmpty()) {
                client.post(ackRequest(ids));
            }
        });
}

// Counts rows of `table` in the relay's database through a connection of its own (WAL
// lets it read beside the running relay): a SQLite file, or a postgresql://USER@HOST:PORT/DB
// URL (tests/support/postgresprocess.h). -1 on error.
inline int countRows(const QString &databasePath, const QString &table)
{
    static std::atomic<int> counter{0};
    const QString name = QStringLiteral("count-%1").arg(counter.fetch_add(1));
    int count = -1;
    {
        const QUrl url(databasePath);
        const bool postgres = url.scheme() == u"postgresql";
        QSqlDatabase db = QSqlDatabase::addDatabase(
            postgres ? QStringLiteral("QPSQL") : QStringLiteral("QSQLITE"), name);
        if (postgres) {
            db.setHostName(url.host());
            db.setPort(url.port());
            db.setUserName(url.userName());
            db.setDatabaseName(url.path().mid(1));
        } else {
            db.setDatabaseName(databasePath);
        }
        if (db.open()) {
            QSqlQuery query(db);
            if (query.exec(QStringLiteral("SELECT count(*) FROM %1").arg(table)) && query.next()) {
                count = query.value(0).toInt();
            }
        }
    }
    QSqlDatabase::removeDatabase(name);
    return count;
}

} // namespace parley::test

#pragma once

#include <QString>

namespace parley::relay {

// The relay's durable state. SQLite is the embedded default (SqliteStore); the cluster
// plugs PostgreSQL in behind the same interface. Implementations are used from one thread.
class Store
{
public:
    virtual ~Store() = default;

    // The schema version the store is at after opening (migrations applied).
    virtual int schemaVersion() const = 0;

    // A random id made when the store was first created; it tells an operator which data
    // directory a relay runs on and never changes afterwards.
    virtual QString instanceId() const = 0;
};

} // namespace parley::relay

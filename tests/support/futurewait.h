#pragma once

// A store job's result in a test: blocks until the database thread has run it.

#include <QFuture>

namespace parley::test {

template<typename T>
T wait(QFuture<T> future)
{
    future.waitForFinished();
    return future.result();
}

} // namespace parley::test

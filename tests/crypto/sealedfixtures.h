#pragma once

// Fixtures of the sealed-sender tests: the parties (identityfixtures.h) and the naive spec
// sealer, which lives in tools/crypto-vectors/specsealer.h so that parley-crypto-vectors
// prints the very intermediate values the tests check.

#include "identityfixtures.h"
#include "tools/crypto-vectors/specsealer.h"

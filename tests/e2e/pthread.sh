# Unmodified pthread programs under weft: weft-cc builds examples/pthread/*.c,
# explore finds each bug (exit 1) and stores it, `weft replay ID` and the
# printed replay command reproduce it, the -DFIXED versions pass 10000
# executions, --races reports the data race, and the test-binary command
# line works with the test name left out. Skipped in sanitizer builds (the
# program's TSan instrumentation and ASan do not mix).
. "$(dirname "$0")/common.inc"
CC=$B/weft-cc
W=$B/weft
EXS=$S/examples/pthread

if [ "${WEFT_SANITIZE:-OFF}" = ON ] || [ "${WEFT_SANITIZE:-OFF}" = 1 ]; then
    echo "skip: sanitizer build"
    exit 0
fi
if ! command -v objcopy >/dev/null 2>&1; then
    echo "skip: no objcopy (binutils)"
    exit 0
fi
cd "$TMP" || exit 1

for p in account lazy_init transfer mailbox; do
    expect_rc 0 "$CC" -Wall "$EXS/$p.c" -o "$p"
    expect_rc 0 "$CC" -Wall -DFIXED "$EXS/$p.c" -o "${p}_fixed"
done

expect_rc 0 ./account list
expect_grep '^main$' "$TMP/out"

# explore finds each bug, records it in ./weft.db, prints how to replay it
expect_rc 1 ./account explore main --iterations 10000
expect_grep 'FAIL main: assert at .*account.c:58' "$TMP/out"
expect_grep 'recorded in weft.db' "$TMP/out"
replay_args=$(sed -n 's/.* replay main //p' "$TMP/out" | head -n 1)
sched=$(sed -n 's/.*schedule \([0-9a-f]*\).*/\1/p' "$TMP/out" | head -n 1)
expect_rc 1 ./lazy_init explore --iterations 10000       # test name left out
expect_grep 'FAIL main: assert at .*lazy_init.c' "$TMP/out"
expect_rc 1 ./transfer explore --iterations 10000
expect_grep 'FAIL main: deadlock' "$TMP/out"
expect_grep "waits in pthread_mutex_lock on mutex #[0-9]* (created at .*transfer.c:[0-9]*) held by task" "$TMP/out"
expect_rc 1 ./mailbox explore --iterations 10000
expect_grep 'FAIL main' "$TMP/out"

# the store has them; weft replay re-runs the recorded binary
expect_rc 0 "$W" list
for k in assert deadlock; do expect_grep " $k " "$TMP/out"; done
expect_rc 1 "$W" replay 1
expect_grep 'reproduced: assert' "$TMP/out"
expect_rc 1 "$W" replay 3
expect_grep 'reproduced: deadlock' "$TMP/out"

# the printed command replays the same schedule, in a new process
# shellcheck disable=SC2086
expect_rc 1 ./account replay main $replay_args
expect_grep "schedule $sched" "$TMP/out"
expect_grep 'reproduced: assert' "$TMP/out"
expect_rc 1 ./account replay main --db weft.db --id 1
expect_grep 'reproduced: assert' "$TMP/out"

# the fixed programs pass
for p in account lazy_init transfer mailbox; do
    expect_rc 0 "./${p}_fixed" explore main --iterations 10000 --no-db
done

# sync points only: the account's lost update needs a memory point
expect_rc 0 ./account explore --points sync --iterations 2000 --no-db
expect_grep 'explore main@sync' "$TMP/out"

# --races: the race itself, both accesses named; replays under its name
expect_rc 1 ./account explore --races --no-db --trace-out race.trace
expect_grep 'FAIL main@memory+races: race' "$TMP/out"
expect_grep "data race: .* at 'balance' by task" "$TMP/out"
expect_grep 'conflicts with an earlier' "$TMP/out"
expect_rc 1 ./account replay main@memory+races --trace race.trace
expect_grep 'reproduced: race' "$TMP/out"
expect_rc 0 ./account_fixed explore --races --no-db --iterations 2000

# the program's output is shown by run, not by explore
expect_rc 0 ./transfer_fixed run main --seed 1
expect_grep '^110 90$' "$TMP/out"
expect_rc 0 ./transfer_fixed explore --iterations 100 --no-db
if grep -q '^110 90$' "$TMP/out"; then fail "explore printed the program's output"; else
    ok "explore kept the program quiet"; fi

# several files, -c then link, and C++ through weft-c++
cat >"$TMP/worker.c" <<'EOF'
#include <pthread.h>
int hits;
void *work(void *arg) { hits++; return arg; }
EOF
cat >"$TMP/driver.c" <<'EOF'
#include <assert.h>
#include <pthread.h>
extern int hits;
void *work(void *);
int main(void) {
    pthread_t t[2];
    for (int i = 0; i < 2; i++) pthread_create(&t[i], 0, work, 0);
    for (int i = 0; i < 2; i++) pthread_join(t[i], 0);
    assert(hits == 2);
    return 0;
}
EOF
expect_rc 0 "$CC" -c worker.c -o worker.o
expect_rc 0 "$CC" driver.c worker.o -o twofiles
expect_rc 1 ./twofiles explore --no-db
expect_grep 'assertion failed: hits == 2' "$TMP/out"
cat >"$TMP/counter.cpp" <<'EOF'
#include <cassert>
#include <pthread.h>
#include <vector>
struct Counter { int n = 0; void add() { int v = n; n = v + 1; } };
static Counter *c = new Counter;
static void *work(void *) { c->add(); return nullptr; }
int main() {
    std::vector<pthread_t> t(2);
    for (auto &x : t) pthread_create(&x, nullptr, work, nullptr);
    for (auto &x : t) pthread_join(x, nullptr);
    assert(c->n == 2);
    return 0;
}
EOF
expect_rc 0 "$B/weft-c++" counter.cpp -o counter
expect_rc 1 ./counter explore --no-db
expect_grep 'assertion failed: c->n == 2' "$TMP/out"

# std::thread, std::mutex, std::condition_variable and sleep_for: libstdc++
# calls pthreads itself, and those calls reach weft too
cat >"$TMP/stdthread.cpp" <<'EOF'
#include <cassert>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>
static std::mutex m;
static std::condition_variable cv;
static int ready = 0, total = 0;
int main() {
    std::vector<std::thread> ts;
    for (int i = 0; i < 3; i++)
        ts.emplace_back([i] {
            std::unique_lock<std::mutex> lk(m);
            cv.wait(lk, [] { return ready; });
            int t = total;
            lk.unlock();
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
            total = t + i; /* read under the lock, written outside it */
        });
    { std::lock_guard<std::mutex> g(m); ready = 1; }
    cv.notify_all();
    for (auto &t : ts) t.join();
    assert(total == 3);
    return 0;
}
EOF
expect_rc 0 "$B/weft-c++" -std=c++17 stdthread.cpp -o stdthread
expect_rc 1 ./stdthread explore --no-db
expect_grep 'assertion failed: total == 3' "$TMP/out"

# a fault in the program's code is a crash of that execution, with its line
cat >"$TMP/nullderef.c" <<'EOF'
#include <pthread.h>
#include <stddef.h>
struct node { int value; };
static struct node *shared;
static struct node one = {1};
static void *reader(void *arg) { return (void *)(long)shared->value; }
int main(void) {
    pthread_t t;
    pthread_create(&t, 0, reader, 0);
    shared = &one;   /* too late if the reader ran first */
    pthread_join(t, 0);
    return 0;
}
EOF
expect_rc 0 "$CC" nullderef.c -o nullderef
expect_rc 1 ./nullderef explore --no-db --trace-out crash.trace
expect_grep 'FAIL main: crash at .*nullderef.c:6' "$TMP/out"
expect_grep 'SIGSEGV: NULL pointer dereference' "$TMP/out"
expect_rc 1 ./nullderef replay main --trace crash.trace
expect_grep 'reproduced: crash' "$TMP/out"
expect_rc 1 ./nullderef explore --no-db --keep-going --iterations 2000 --json
expect_grep '"executions":2000' "$TMP/out"

# bad usage
expect_rc 2 ./account explore --points bogus
expect_rc 2 "$CC" -shared "$EXS/account.c" -o nope.so

finish

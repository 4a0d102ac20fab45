/*
 * account.c — a bank account whose deposits and withdrawals race.
 *
 * An unmodified pthread program in the style of SCTBench's account
 * benchmark: two tellers post a deposit and a withdrawal, each reading the
 * balance, computing, and writing it back. The deposit path takes the lock;
 * the withdrawal path forgot to, so a withdrawal that reads the balance
 * before a deposit writes it back (or the other way round) loses one of
 * them, and the auditor's check fails. Build with -DFIXED for the version
 * that locks on both paths.
 *
 *   weft-cc account.c -o account
 *   ./account explore                 finds the lost update (memory points)
 *   ./account explore --races         reports the data race itself
 *   weft-cc -DFIXED account.c -o account_fixed && ./account_fixed explore
 */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int balance = 100;

static void *deposit(void *arg)
{
    int amount = *(int *)arg;
    pthread_mutex_lock(&lock);
    int b = balance;
    balance = b + amount;
    pthread_mutex_unlock(&lock);
    return NULL;
}

static void *withdraw(void *arg)
{
    int amount = *(int *)arg;
#ifdef FIXED
    pthread_mutex_lock(&lock);
#endif
    int b = balance;
    if (b >= amount)
        balance = b - amount;
#ifdef FIXED
    pthread_mutex_unlock(&lock);
#endif
    return NULL;
}

int main(void)
{
    int in = 50, out = 30;
    pthread_t a, b;
    pthread_create(&a, NULL, deposit, &in);
    pthread_create(&b, NULL, withdraw, &out);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("balance %d\n", balance);
    assert(balance == 100 + 50 - 30);
    return 0;
}

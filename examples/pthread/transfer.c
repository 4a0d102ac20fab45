/*
 * transfer.c — two transfers that lock their accounts in opposite orders.
 *
 * transfer(a, b) locks a then b; a concurrent transfer(b, a) locks b then a.
 * When each has taken its first lock, both wait forever: weft reports the
 * deadlock with every thread, the mutex it waits on, where that mutex was
 * created and who holds it. -DFIXED always locks the lower account first.
 *
 *   weft-cc transfer.c -o transfer && ./transfer explore
 */
#include <pthread.h>
#include <stdio.h>

struct account {
    int id;
    int balance;
    pthread_mutex_t lock;
};

static struct account accounts[2] = {
    {0, 100, PTHREAD_MUTEX_INITIALIZER},
    {1, 100, PTHREAD_MUTEX_INITIALIZER},
};

struct order {
    struct account *from, *to;
    int amount;
};

static void *transfer(void *arg)
{
    struct order *o = arg;
    struct account *first = o->from, *second = o->to;
#ifdef FIXED
    if (first->id > second->id) {
        first = o->to;
        second = o->from;
    }
#endif
    pthread_mutex_lock(&first->lock);
    pthread_mutex_lock(&second->lock);
    o->from->balance -= o->amount;
    o->to->balance += o->amount;
    pthread_mutex_unlock(&second->lock);
    pthread_mutex_unlock(&first->lock);
    return NULL;
}

int main(void)
{
    struct order ab = {&accounts[0], &accounts[1], 10};
    struct order ba = {&accounts[1], &accounts[0], 20};
    pthread_t t1, t2;
    pthread_create(&t1, NULL, transfer, &ab);
    pthread_create(&t2, NULL, transfer, &ba);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    printf("%d %d\n", accounts[0].balance, accounts[1].balance);
    return accounts[0].balance + accounts[1].balance == 200 ? 0 : 1;
}

/* SPDX-License-Identifier: ISC */
/*
 * spooltool_requests: the responder's answers, counted per profile,
 * status and error in SPOOL/.seq (spool.h, struct spool_shared), for
 * humanos-spool stats (SPEC section 8).  The file is read, never mapped
 * or written: stats cannot disturb the counts.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool.h"
#include "spoolfmt.h"
#include "spooltool.h"

/* Same profile, status and error: one line (a race may leave two slots). */
static int
hs_req_same(const struct hs_req *a, const struct spool_counter *c)
{
	return a->status == c->status && strcmp(a->profile, c->profile) == 0 &&
	    strcmp(a->error, c->error) == 0;
}

static int
hs_req_cmp(const void *va, const void *vb)
{
	const struct hs_req	*a = va, *b = vb;
	int			 d;

	if ((d = strcmp(a->profile, b->profile)) != 0)
		return d;
	if (a->status != b->status)
		return a->status < b->status ? -1 : 1;
	return strcmp(a->error, b->error);
}

/* Add the ready slot c to reqs, merging duplicates. */
static void
hs_req_add(struct hs_reqs *reqs, const struct spool_counter *c)
{
	struct hs_req	*r;
	size_t		 i;

	for (i = 0; i < reqs->n; i++)
		if (hs_req_same(&reqs->v[i], c)) {
			reqs->v[i].count += c->count;
			return;
		}
	r = &reqs->v[reqs->n++];
	r->status = c->status;
	r->count = c->count;
	memcpy(r->profile, c->profile, sizeof(r->profile));
	r->profile[sizeof(r->profile) - 1] = '\0';
	memcpy(r->error, c->error, sizeof(r->error));
	r->error[sizeof(r->error) - 1] = '\0';
}

int
hs_requests_load(const struct hs_spool *sp, struct hs_reqs *reqs)
{
	struct spool_shared	*sh;
	struct stat		 st;
	ssize_t			 n;
	size_t			 i, got = 0;
	int			 fd;

	memset(reqs, 0, sizeof(*reqs));
	if ((fd = openat(sp->rootfd, SF_SEQ, O_RDONLY | O_NOFOLLOW |
	    O_NONBLOCK | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;	/* nothing counted yet */
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (sh = calloc(1, sizeof(*sh))) == NULL) {
		close(fd);
		return -1;
	}
	/* An older, shorter .seq reads as zeros: no counts. */
	while (got < sizeof(*sh)) {
		n = pread(fd, (char *)sh + got, sizeof(*sh) - got, (off_t)got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if ((reqs->v = calloc(SPOOL_COUNTERS, sizeof(*reqs->v))) == NULL) {
		free(sh);
		return -1;
	}
	for (i = 0; i < SPOOL_COUNTERS; i++)
		if (sh->counter[i].state == SPOOL_COUNTER_READY &&
		    sh->counter[i].count > 0)
			hs_req_add(reqs, &sh->counter[i]);
	free(sh);
	if (reqs->n > 1)
		qsort(reqs->v, reqs->n, sizeof(*reqs->v), hs_req_cmp);
	return 0;
}

void
hs_requests_free(struct hs_reqs *reqs)
{
	free(reqs->v);
	memset(reqs, 0, sizeof(*reqs));
}

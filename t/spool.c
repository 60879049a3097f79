/* SPDX-License-Identifier: ISC */
/* spool: rows, order, exactly-once, quarantine, modes, recovery. */
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool.h"
#include "tap.h"

static char	root[] = "/tmp/hw-spool.XXXXXX";

/*
 * flock() of the spool code (ld --wrap, t/unit.am): the next flock_eintr
 * calls with LOCK_EX fail with EINTR, as a signal would make them.
 */
static int	flock_eintr;
int	__real_flock(int, int);
int	__wrap_flock(int, int);

int
__wrap_flock(int fd, int op)
{
	if (flock_eintr > 0 && op == LOCK_EX) {
		flock_eintr--;
		errno = EINTR;
		return -1;
	}
	return __real_flock(fd, op);
}

static char	err[256];

/*
 * Files in root/sub, and in its subdirectories (rows being written are in
 * tmp/<pp>/); the last name (in sort order) of sub itself in last.
 */
static int
count(const char *sub, char *last)
{
	struct dirent	**ents;
	struct stat	  st;
	char		  p[512], q[600];
	int		  n, i, files = 0;

	snprintf(p, sizeof(p), "%s/%s", root, sub);
	if ((n = scandir(p, &ents, NULL, alphasort)) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		snprintf(q, sizeof(q), "%s/%s", sub, ents[i]->d_name);
		if (ents[i]->d_name[0] == '.')
			;
		else if (snprintf(p, sizeof(p), "%s/%s", root, q) > 0 &&
		    lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			files += count(q, NULL);
		else {
			files++;
			if (last != NULL)
				strcpy(last, ents[i]->d_name);
		}
		free(ents[i]);
	}
	free(ents);
	return files;
}

static int
slurp(const char *sub, const char *name, char *buf, size_t len)
{
	char	p[512];
	int	fd, n;

	snprintf(p, sizeof(p), "%s/%s/%s", root, sub, name);
	if ((fd = open(p, O_RDONLY)) == -1)
		return -1;
	n = (int)read(fd, buf, len - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

static void
key_for(int i, char *key)
{
	snprintf(key, SPOOL_KEY_MAX, "%064x", i);
}

/* A row for key (of any resource but the quarantine, whose keys are "q"
   and the id): rows begin with their id (spoolfmt.h). */
static const char *
row_of(const char *key)
{
	static char	buf[160];

	snprintf(buf, sizeof(buf), "{\"id\":\"%s\",\"payload\":{}}",
	    key[0] == 'q' ? key + 1 : key);
	return buf;
}

static void
test_row(struct spool *sp)
{
	char		name[SPOOL_NAME_MAX], last[256], buf[512], p[512];
	const char	*row;
	struct stat	st;
	ssize_t		n;
	char		key[SPOOL_KEY_MAX], qkey[SPOOL_KEY_MAX], rowbuf[160];

	key_for(1, key);
	row = strcpy(rowbuf, row_of(key));
	is_int(spool_put(sp, RES_KYC, key, row, strlen(row), name, err,
	    sizeof(err)), SPOOL_WRITTEN, "row written");
	is_int(count("kyc/new", last), 1, "one row in kyc/new");
	is_str(last, name, "it has the returned name");
	ok(strlen(name) == 29 && strcmp(name + 24, ".json") == 0,
	    "name ends in .json: %s", name);
	is_int(slurp("kyc/new", name, buf, sizeof(buf)), strlen(row) + 1,
	    "row is the line and its newline");
	ok(strncmp(buf, row, strlen(row)) == 0 && buf[strlen(row)] == '\n',
	    "row content as given");
	is_int(count("kyc/tmp", NULL), 0, "nothing left in tmp/");
	snprintf(p, sizeof(p), "%s/kyc/tmp/%02lx", root,
	    (unsigned long)getpid() % 64);
	ok(stat(p, &st) == 0 && S_ISDIR(st.st_mode), "written in the "
	    "writer's own directory, tmp/<pid mod 64>/");
	snprintf(p, sizeof(p), "%s/.ids/01/%s", root, key);
	n = readlink(p, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	ok(lstat(p, &st) == 0 && S_ISLNK(st.st_mode) &&
	    strncmp(buf, "kyc/new/", 8) == 0 && strcmp(buf + 8, name) == 0,
	    "record: a symbolic link naming the row, pending, no content "
	    "(%s)", buf);
	snprintf(p, sizeof(p), "%s/kyc/new/%s", root, name);
	ok(stat(p, &st) == 0 && (st.st_mode & 07777) == 0640 &&
	    st.st_nlink == 1, "row has file_mode 0640 whatever the umask");

	is_int(spool_put(sp, RES_KYC, key, row, strlen(row), name, err,
	    sizeof(err)), SPOOL_DUPLICATE, "same key again: duplicate");
	is_int(count("kyc/new", NULL), 1, "still one row");
	is_int(count("kyc/tmp", NULL), 0, "duplicate leaves nothing in tmp/");
	/*
	 * The consumer takes the row and deletes it, its record settled
	 * first (as humanos-spool does): still a duplicate.
	 */
	snprintf(p, sizeof(p), "%s/%s", key + 62, key);
	ok(sf_record_settle(sp->idsfd, sp->newfd[RES_KYC], p, RES_KYC, last, getuid(),
	    getgid()) == 0, "record settled");
	snprintf(p, sizeof(p), "%s/.ids/01/%s", root, key);
	n = readlink(p, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	ok(strncmp(buf, "kyc/", 4) == 0 && strcmp(buf + 4, last) == 0,
	    "settled: it names the row without new/ (%s)", buf);
	snprintf(buf, sizeof(buf), "%s/kyc/new/%s", root, last);
	unlink(buf);
	is_int(spool_put(sp, RES_KYC, key, row, strlen(row), name, err,
	    sizeof(err)), SPOOL_DUPLICATE, "duplicate after the row was "
	    "consumed");
	is_int(count("kyc/new", NULL), 0, "no second row");
	/* The same key under another resource is the same event. */
	is_int(spool_put(sp, RES_FORMS, key, row, strlen(row), name, err,
	    sizeof(err)), SPOOL_DUPLICATE, "key is global to the spool");
	is_int(spool_put(sp, RES_KYC, "bad/key", row, strlen(row), name, err,
	    sizeof(err)), SPOOL_FAILED, "a key with '/' is refused");
	is_int(spool_put(sp, RES_KYC, key + 1, row, strlen(row), name, err,
	    sizeof(err)), SPOOL_FAILED, "a row that does not begin with its "
	    "key's id is refused");
	ok(strstr(err, "id of its key") != NULL, "... and says so: %s", err);
	qkey[0] = 'q';
	memcpy(qkey + 1, key, 65);	/* 64 hex and the NUL */
	is_int(spool_put(sp, RES_QUARANTINE, qkey, row, strlen(row), name,
	    err, sizeof(err)), SPOOL_WRITTEN, "quarantine row");
	is_int(count("quarantine/new", NULL), 1, "in quarantine/new");
	is_int(spool_put(sp, RES_QUARANTINE, qkey, row, strlen(row), name,
	    err, sizeof(err)), SPOOL_DUPLICATE, "quarantined once per key");
}

static void
test_order(struct spool *sp)
{
	char	name[SPOOL_NAME_MAX], prev[SPOOL_NAME_MAX] = "", key[80];
	int	i, sorted = 1;

	for (i = 0; i < 500; i++) {
		key_for(1000 + i, key);
		if (spool_put(sp, RES_OTHER, key, row_of(key),
		    strlen(row_of(key)), name, err,
		    sizeof(err)) != SPOOL_WRITTEN)
			break;
		if (strcmp(prev, name) >= 0)
			sorted = 0;
		strcpy(prev, name);
	}
	is_int(i, 500, "500 rows written back to back");
	ok(sorted, "names sort in arrival order within one process");
	is_int(count("other/new", NULL), 500, "500 rows in other/new");
}

/* Four processes at once: names unique and each process's increasing. */
static void
test_processes(void)
{
	int	i, status, good = 1;
	pid_t	pids[4];

	for (i = 0; i < 4; i++) {
		if ((pids[i] = fork()) == 0) {
			struct spool	sp;
			char		name[SPOOL_NAME_MAX], prev[64] = "";
			char		key[80];
			int		j;

			if (spool_open(&sp, root, 0640, SYNC_NONE, err,
			    sizeof(err)) == -1)
				_exit(2);
			for (j = 0; j < 250; j++) {
				key_for(100000 * (i + 1) + j, key);
				if (spool_put(&sp, RES_CONSENTS, key,
				    row_of(key), strlen(row_of(key)),
				    name, err, sizeof(err)) != SPOOL_WRITTEN ||
				    strcmp(prev, name) >= 0)
					_exit(1);
				strcpy(prev, name);
			}
			_exit(0);
		}
	}
	for (i = 0; i < 4; i++)
		if (waitpid(pids[i], &status, 0) == -1 || status != 0)
			good = 0;
	ok(good, "4 processes each wrote 250 rows in increasing order");
	is_int(count("consents/new", NULL), 1000, "1000 distinct names");
}

static void
test_modes(void)
{
	struct spool	sp;
	char		name[SPOOL_NAME_MAX], p[512], key[80];
	struct stat	st;
	mode_t		masks[] = { 0, 077 }, modes[] = { 0600, 0640, 0660 };
	size_t		i, j;
	int		good = 1;

	for (i = 0; i < 2; i++)
		for (j = 0; j < 3; j++) {
			umask(masks[i]);
			key_for(5000 + (int)(i * 3 + j), key);
			if (spool_open(&sp, root, modes[j], SYNC_NONE, err,
			    sizeof(err)) == -1 ||
			    spool_put(&sp, RES_OTP, key, row_of(key),
			    strlen(row_of(key)), name, err,
			    sizeof(err)) != SPOOL_WRITTEN) {
				good = 0;
				continue;
			}
			snprintf(p, sizeof(p), "%s/otp/new/%s", root, name);
			if (stat(p, &st) == -1 || (st.st_mode & 0777) !=
			    modes[j]) {
				printf("# umask %03o mode %03o got %03o\n",
				    masks[i], modes[j], st.st_mode & 0777);
				good = 0;
			}
			spool_close(&sp);
		}
	umask(022);
	ok(good, "rows get file_mode under umask 000 and 077");
}

/* What a crash leaves in tmp/ is finished or removed by the next start. */
static void
test_recover(struct spool *sp)
{
	char	p[512], q[512], name[SPOOL_NAME_MAX], dead[SPOOL_NAME_MAX];
	pid_t	pid;
	int	fd;

	/* A pid that is surely gone: a child we reaped. */
	if ((pid = fork()) == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	snprintf(dead, sizeof(dead), "1700000000000001.%07ld.json",
	    (long)pid);
	/* Never recorded: dropped. */
	snprintf(p, sizeof(p), "%s/forms/tmp/%s", root, dead);
	fd = open(p, O_WRONLY | O_CREAT, 0640);
	(void)!write(fd, "{\"part", 6);
	close(fd);
	/* Recorded (linked) but not published: published. */
	snprintf(name, sizeof(name), "1700000000000002.%07ld.json",
	    (long)pid);
	snprintf(p, sizeof(p), "%s/signatures/tmp/%s", root, name);
	fd = open(p, O_WRONLY | O_CREAT, 0640);
	(void)!write(fd, "{}\n", 3);
	close(fd);
	snprintf(q, sizeof(q), "%s/.ids/ab/%064d", root, 0);
	q[strlen(q) - 2] = 'a';
	q[strlen(q) - 1] = 'b';
	mkdir(root, 0750);
	snprintf(p, sizeof(p), "%s/.ids/ab", root);
	mkdir(p, 0750);
	snprintf(p, sizeof(p), "%s/signatures/tmp/%s", root, name);
	ok(link(p, q) == 0, "made a record for an unpublished row");
	/* A file of a live writer (ours is not it: use pid 1) is left. */
	snprintf(p, sizeof(p), "%s/kyc/tmp/1700000000000003.0000001.json",
	    root);
	fd = open(p, O_WRONLY | O_CREAT, 0640);
	close(fd);
	/* Junk names are not ours to touch. */
	snprintf(p, sizeof(p), "%s/kyc/tmp/notes.txt", root);
	fd = open(p, O_WRONLY | O_CREAT, 0640);
	close(fd);

	is_int(spool_recover(sp, err, sizeof(err)), 1, "one row published");
	is_int(count("forms/tmp", NULL), 0, "unrecorded partial row removed");
	is_int(count("forms/new", NULL), 0, "and not published");
	is_int(count("signatures/tmp", NULL), 0, "recorded row left tmp/");
	snprintf(p, sizeof(p), "%s/signatures/new/%s", root, name);
	ok(access(p, F_OK) == 0, "recorded row is in new/");
	is_int(count("kyc/tmp", NULL), 2, "a live writer's file and junk "
	    "are left alone");
}

/* A write that fails (file too large) leaves nothing and no record. */
static void
test_failure(struct spool *sp)
{
	struct rlimit	rl, old;
	char		name[SPOOL_NAME_MAX], row[8192], key[80], p[512];
	int		before = count("kyc/new", NULL);

	memset(row, 'x', sizeof(row));
	key_for(77777, key);
	memcpy(row, row_of(key), strlen(row_of(key)));
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	rl = old;
	rl.rlim_cur = 4096;
	setrlimit(RLIMIT_FSIZE, &rl);
	is_int(spool_put(sp, RES_KYC, key, row, sizeof(row), name, err,
	    sizeof(err)), SPOOL_FAILED, "a failed write is reported");
	setrlimit(RLIMIT_FSIZE, &old);
	ok(strstr(err, "write") != NULL && strstr(err, "kyc") != NULL,
	    "error says where: %s", err);
	is_int(count("kyc/tmp", NULL), 2, "nothing new left in tmp/");
	is_int(count("kyc/new", NULL), before, "no row published");
	snprintf(p, sizeof(p), "%s/.ids/%s/%s", root, key + 62, key);
	ok(access(p, F_OK) == -1, "no record made");
	is_int(spool_put(sp, RES_KYC, key, row, sizeof(row), name, err,
	    sizeof(err)), SPOOL_WRITTEN, "the retry succeeds");
}

/*
 * Another writer of key is in flight: its row tmp/NAME is written, its
 * record made (a symbolic link naming kyc/NAME), and it holds the row's
 * lock.  A child plays it: after ms it either publishes (rename to new/)
 * or fails (record and row removed), then lets go.  Returns its pid.
 */
static pid_t
inflight(const char *key, const char *name, int publish, int ms)
{
	char	tmp[512], rec[512], new[512], target[128];
	pid_t	pid;
	int	fd;

	/* Its directory: tmp/<pp>/, xx from the pid in its name (1). */
	snprintf(tmp, sizeof(tmp), "%s/kyc/tmp/01", root);
	(void)mkdir(tmp, 0750);
	snprintf(tmp, sizeof(tmp), "%s/kyc/tmp/01/%s", root, name);
	snprintf(new, sizeof(new), "%s/kyc/new/%s", root, name);
	snprintf(rec, sizeof(rec), "%s/.ids/%s/%s", root,
	    key + strlen(key) - 2, key);
	snprintf(target, sizeof(target), "kyc/%s", name);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0640)) == -1 ||
	    flock(fd, LOCK_EX) == -1 || write(fd, "{}\n", 3) != 3 ||
	    symlink(target, rec) == -1)
		return -1;
	if ((pid = fork()) != 0) {
		close(fd);	/* the child's copy keeps the lock */
		return pid;
	}
	usleep(ms * 1000);
	if (publish)
		_exit(rename(tmp, new) == -1);
	_exit(unlink(rec) == -1 || unlink(tmp) == -1);
}

/* A duplicate is answered only once the record it meets stands. */
static void
test_inflight(struct spool *sp)
{
	const char	*k1 = "aaaa000000000000000000000000000000000000000000000000000000000001";
	const char	*k2 = "aaaa000000000000000000000000000000000000000000000000000000000002";
	const char	*k3 = "aaaa000000000000000000000000000000000000000000000000000000000003";
	char		 name[SPOOL_NAME_MAX];
	enum spool_status st;
	pid_t		 pid;
	int		 n, t, status;

	/* The other writer fails after 300 ms: ours must be written. */
	n = count("kyc/new", NULL);
	pid = inflight(k1, "0000000000000001.0000001.json", 0, 300);
	st = spool_put(sp, RES_KYC, k1, row_of(k1), strlen(row_of(k1)),
	    name, err, sizeof(err));
	ok(pid > 0 && waitpid(pid, &status, 0) == pid && status == 0,
	    "in flight: the other writer failed");
	ok(st == SPOOL_WRITTEN && count("kyc/new", NULL) == n + 1,
	    "in flight, then failed: not a duplicate, our row written (%d)",
	    st);
	/* The other writer succeeds after 300 ms: a duplicate, no row. */
	n = count("kyc/new", NULL);
	t = count("kyc/tmp", NULL);
	pid = inflight(k2, "0000000000000002.0000001.json", 1, 300);
	st = spool_put(sp, RES_KYC, k2, row_of(k2), strlen(row_of(k2)),
	    name, err, sizeof(err));
	ok(pid > 0 && waitpid(pid, &status, 0) == pid && status == 0,
	    "in flight: the other writer published");
	ok(st == SPOOL_DUPLICATE && count("kyc/new", NULL) == n + 1 &&
	    count("kyc/tmp", NULL) == t, "in flight, then published: a "
	    "duplicate, one row, nothing left in tmp/ (%d)", st);
	/* Still in flight past SPOOL_AWAIT_MS: neither answer, a 503. */
	t = count("kyc/tmp", NULL);
	pid = inflight(k3, "0000000000000003.0000001.json", 0,
	    SPOOL_AWAIT_MS + 1500);
	st = spool_put(sp, RES_KYC, k3, row_of(k3), strlen(row_of(k3)),
	    name, err, sizeof(err));
	ok(st == SPOOL_FAILED && strstr(err, "record wait") != NULL,
	    "in flight too long: failed, the provider retries (%s)", err);
	ok(pid > 0 && waitpid(pid, &status, 0) == pid && status == 0 &&
	    count("kyc/tmp", NULL) == t - 0, "... and nothing of ours left");
}

/* Write a row of id (64 hex) as root/sub/name. */
static int
put_file(const char *sub, const char *name, const char *id)
{
	char	p[512], row[128];
	int	fd, n;

	snprintf(p, sizeof(p), "%s/%s/%s", root, sub, name);
	n = snprintf(row, sizeof(row), "{\"id\":\"%s\",\"payload\":{}}\n",
	    id);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0640)) == -1)
		return -1;
	if (write(fd, row, n) != n) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* The record of id names target (a symbolic link), or is absent (NULL). */
static int
record_is(const char *id, const char *target)
{
	char	p[512], buf[128];
	ssize_t	n;

	snprintf(p, sizeof(p), "%s/.ids/%s/%s", root, id + strlen(id) - 2, id);
	if ((n = readlink(p, buf, sizeof(buf) - 1)) == -1)
		return target == NULL && access(p, F_OK) == -1;
	buf[n] = '\0';
	return target != NULL && strcmp(buf, target) == 0;
}

/*
 * What a power loss can leave with symbolic-link records: a tmp/ row its
 * record names (published), a tmp/ row whose record names another row
 * (dropped), a new/ row without its record (the record made again), a
 * pending record without its row (removed) -- the last two at the first
 * start of a boot only.  A settled record without its row (consumed and
 * deleted), and a pending one whose row is in cur/, stay.
 */
static void
test_recover_records(struct spool *sp)
{
	const char	*a = "c0ffee00000000000000000000000000000000000000000000000000000000a1";
	const char	*b = "c0ffee00000000000000000000000000000000000000000000000000000000b2";
	const char	*c = "c0ffee00000000000000000000000000000000000000000000000000000000c3";
	const char	*d = "c0ffee00000000000000000000000000000000000000000000000000000000d4";
	const char	*e = "c0ffee00000000000000000000000000000000000000000000000000000000e5";
	const char	*f = "c0ffee00000000000000000000000000000000000000000000000000000000f6";
	char		 p[512], na[64], nb[64], nb2[64], nc[64], nd[64];
	const char	*g = "qc0ffee0000000000000000000000000000000000000000000000000000000007";
	const char	*h = "qc0ffee0000000000000000000000000000000000000000000000000000000008";
	char		 ta[80], tb2[80], tc[80], td[80], te[80], tf[80];
	char		 tg[80], th[80];
	pid_t		 pid;
	int		 n, before = count("consents/new", NULL);

	if ((pid = fork()) == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	snprintf(na, sizeof(na), "1700000000000011.%07ld.json", (long)pid);
	snprintf(nb, sizeof(nb), "1700000000000012.%07ld.json", (long)pid);
	snprintf(nb2, sizeof(nb2), "1700000000000013.%07ld.json", (long)pid);
	snprintf(nc, sizeof(nc), "1700000000000014.%07ld.json", (long)pid);
	snprintf(ta, sizeof(ta), "consents/%s", na);
	snprintf(tb2, sizeof(tb2), "consents/%s", nb2);
	snprintf(tc, sizeof(tc), "consents/new/%s", nc);
	snprintf(nd, sizeof(nd), "1700000000000015.%07ld.json", (long)pid);
	snprintf(td, sizeof(td), "consents/new/%s", nd);
	snprintf(te, sizeof(te), "consents/1700000000000016.%07ld.json",
	    (long)pid);
	snprintf(tf, sizeof(tf), "consents/new/1700000000000017.%07ld.json",
	    (long)pid);
	snprintf(tg, sizeof(tg), "quarantine/new/1700000000000018.%07ld.json",
	    (long)pid);
	snprintf(th, sizeof(th), "quarantine/new/1700000000000019.%07ld.json",
	    (long)pid);
	snprintf(p, sizeof(p), "%s/.ids/%s/%s", root, a + 62, a);
	ok(put_file("consents/tmp", na, a) == 0 && symlink(ta, p) == 0,
	    "a tmp/ row its record names");
	snprintf(p, sizeof(p), "%s/.ids/%s/%s", root, b + 62, b);
	ok(put_file("consents/tmp", nb, b) == 0 &&
	    put_file("consents/new", nb2, b) == 0 && symlink(tb2, p) == 0,
	    "a tmp/ row whose record names another row");
	ok(put_file("consents/new", nc, c) == 0 && record_is(c, NULL),
	    "a new/ row without its record");
	snprintf(p, sizeof(p), "%s/.ids/%s/%s", root, d + 62, d);
	ok(symlink(td, p) == 0, "a pending record without its row");
	snprintf(p, sizeof(p), "%s/.ids/%s/%s", root, e + 62, e);
	ok(symlink(te, p) == 0, "a settled record without its row");
	snprintf(p, sizeof(p), "%s/.ids/%s/%s", root, f + 62, f);
	ok(put_file("consents/cur", tf + strlen("consents/new/"), f) == 0 &&
	    symlink(tf, p) == 0, "a pending record whose row is in cur/");
	snprintf(p, sizeof(p), "%s/.ids/%s/%s", root, g + 63, g);
	ok(symlink(tg, p) == 0, "a pending quarantine record without its row");
	snprintf(p, sizeof(p), "%s/.ids/%s/%s", root, h + 63, h);
	ok(put_file("quarantine/new", th + strlen("quarantine/new/"),
	    h + 1) == 0 && symlink(th, p) == 0,
	    "a pending quarantine record whose row is in new/");
	/* As if this boot had not looked through new/ yet. */
	sp->seq[SPOOL_SEQ_BOOT] = sp->seq[SPOOL_SEQ_BOOT + 1] = 0;
	n = spool_recover(sp, err, sizeof(err));
	is_int(n, 4, "one row published, one record made again, two "
	    "removed");
	ok(record_is(d, NULL), "the pending record without its row is gone");
	ok(record_is(e, te), "the settled one stays");
	ok(record_is(f, tf), "so does the one whose row is in cur/");
	ok(record_is(g, NULL) && record_is(h, th),
	    "the quarantine's too: without its row gone, with it kept");
	snprintf(p, sizeof(p), "%s/consents/new/%s", root, na);
	ok(access(p, F_OK) == 0 && record_is(a, ta), "named: published");
	is_int(count("consents/tmp", NULL), 0, "named elsewhere: dropped");
	is_int(count("consents/new", NULL), before + 3,
	    "new/ holds the three rows");
	ok(record_is(b, tb2), "the other row keeps its record");
	ok(record_is(c, tc), "the lost record is made again");
	/* The same boot again: new/ is not looked through. */
	snprintf(p, sizeof(p), "%s/.ids/%s/%s", root, c + 62, c);
	ok(unlink(p) == 0, "the record removed again");
	is_int(spool_recover(sp, err, sizeof(err)), 0,
	    "the same boot: new/ is not looked through");
	ok(record_is(c, NULL), "... so the record stays missing");
	ok(unlink(p) == -1 && symlink(tc, p) == 0, "record put back");
	snprintf(p, sizeof(p), "%s/.ids/%s/%s", root, d + 62, d);
	ok(symlink(td, p) == 0 && spool_recover(sp, err, sizeof(err)) == 0 &&
	    record_is(d, td), "the same boot: a pending record without its "
	    "row stays (its writer may be live)");
	ok(unlink(p) == 0, "and is removed by hand");
	/* A signal while the boot's lock is awaited: the wait goes on. */
	sp->seq[SPOOL_SEQ_BOOT] = sp->seq[SPOOL_SEQ_BOOT + 1] = 0;
	flock_eintr = 2;
	is_int(spool_recover(sp, err, sizeof(err)), 0,
	    "a wait for the boot's lock, interrupted twice, goes on");
	ok(flock_eintr == 0 && sp->bootid &&
	    sp->seq[SPOOL_SEQ_BOOT] == sp->boot[0] &&
	    sp->seq[SPOOL_SEQ_BOOT + 1] == sp->boot[1],
	    "... and marks the boot looked through");
}

int
main(void)
{
	struct spool	sp;
	char		cmd[300];

	if (mkdtemp(root) == NULL)
		return 99;
	umask(077);
	ok(spool_open(&sp, root, 0640, SYNC_FULL, err, sizeof(err)) == 0,
	    "open spool %s", err);
	ok(access("/", F_OK) == 0 && count("kyc/tmp", NULL) == 0 &&
	    count("quarantine/new", NULL) == 0 && count("otp/cur", NULL) == 0 &&
	    count("other/failed", NULL) == 0, "layout created");
	test_row(&sp);
	test_order(&sp);
	test_processes();
	test_modes();
	test_recover(&sp);
	test_failure(&sp);
	test_inflight(&sp);
	test_recover_records(&sp);
	spool_close(&sp);
	ok(spool_open(&sp, "/nonexistent/dir/spool", 0640, SYNC_FULL, err,
	    sizeof(err)) == -1 && strstr(err, "/nonexistent") != NULL,
	    "unopenable spool named in the error");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		return 99;
	return tap_done();
}

/* spooltool_cat: humanos-spool ls and cat (SPEC section 8). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <json-c/json.h>

#include "hwlog.h"
#include "spooltool.h"

/* One waiting row: which resource, and its name. */
struct st_entry {
	enum resource	 res;
	char		 name[ST_NAME_LEN + 1];
};

/* A column: its header and where its value is found. */
struct st_column {
	const char	*header;
	const char	*const *paths;	/* first present wins */
};

static const char *const p_received[] = { "received_at", NULL };
static const char *const p_resource[] = { "resource", NULL };
static const char *const p_event[] = { "event", NULL };
static const char *const p_org[] = { "payload.organizationId",
	"payload.issuerDid", NULL };
static const char *const p_process[] = { "payload.processId",
	"payload.requestId", NULL };
static const char *const p_subject[] = { "payload.userId",
	"payload.professionalId", "payload.user.id", "payload.user.did",
	NULL };
static const char *const p_completed[] = { "payload.completedAt",
	"payload.rejectedAt", "payload.decisionDate", "payload.decision.date",
	NULL };
static const char *const p_id[] = { "id", NULL };

/* The row columns before "items" and after it ("file" is computed). */
static const struct st_column row_head_cols[] = {
	{ "received_at", p_received },
	{ "resource", p_resource },
	{ "event", p_event },
	{ "organization_id", p_org },
	{ "process_id", p_process },
	{ "subject_id", p_subject },
	{ "completed_at", p_completed },
};

static const char *const i_id[] = { "itemId", NULL };
static const char *const i_name[] = { "documentName", "consentName",
	"formId", "name", NULL };
static const char *const i_date[] = { "decisionDate", "decision.date",
	NULL };
static const char *const i_rejected[] = { "rejected", NULL };

static const struct st_column item_cols[] = {
	{ "item_id", i_id },
	{ "item_name", i_name },
	{ "item_decision_date", i_date },
	{ "item_rejected", i_rejected },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static struct json_object *st_path(struct json_object *, const char *);
static int	 st_entries_load(const struct st_spool *,
		    const struct st_resources *, struct st_entry **, size_t *);
static int	 st_cat_stdin(enum st_format, int);
static void	 st_put_parsed(enum st_format, int, struct json_object *,
		    const char *);
static int	 st_cat_one(const struct st_spool *, const struct st_entry *,
		    enum st_format, int);
static void	 st_put_row(FILE *, enum st_format, struct json_object *,
		    const char *, struct json_object *, size_t);

int
st_ls(const struct st_spool *sp, const struct st_resources *rs)
{
	struct st_names	names;
	size_t		i;
	int		r, fd;

	for (r = 0; r < RES__COUNT; r++) {
		if (!rs->on[r])
			continue;
		if ((fd = st_subdir(sp, r, ST_NEW, 0)) == -1) {
			if (errno == ENOENT)
				continue;	/* nothing written there yet */
			hwlog("%s/%s/new: %s", sp->root,
			    event_resource_name(r), strerror(errno));
			return EX_TEMPFAIL;
		}
		if (st_names_load(fd, &names) == -1) {
			hwlog("%s/%s/new: %s", sp->root,
			    event_resource_name(r), strerror(errno));
			close(fd);
			return EX_TEMPFAIL;
		}
		close(fd);
		for (i = 0; i < names.n; i++)
			printf("%s/%s/new/%s\n", sp->root,
			    event_resource_name(r), names.v[i]);
		st_names_free(&names);
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		return EX_IOERR;
	return 0;
}

static int
st_entry_cmp(const void *a, const void *b)
{
	const struct st_entry	*x = a, *y = b;
	int			 c = strcmp(x->name, y->name);

	return c != 0 ? c : (int)x->res - (int)y->res;
}

/* The waiting rows of every selected resource, in arrival order. */
static int
st_entries_load(const struct st_spool *sp, const struct st_resources *rs,
    struct st_entry **out, size_t *nout)
{
	struct st_names	 names;
	struct st_entry	*v = NULL, *p;
	size_t		 n = 0, i;
	int		 r, fd;

	for (r = 0; r < RES__COUNT; r++) {
		if (!rs->on[r])
			continue;
		if ((fd = st_subdir(sp, r, ST_NEW, 0)) == -1) {
			if (errno == ENOENT)
				continue;
			goto fail;
		}
		if (st_names_load(fd, &names) == -1) {
			close(fd);
			goto fail;
		}
		close(fd);
		if ((p = reallocarray(v, n + names.n + 1, sizeof(*v))) ==
		    NULL) {
			st_names_free(&names);
			goto fail;
		}
		v = p;
		for (i = 0; i < names.n; i++, n++) {
			v[n].res = r;
			memcpy(v[n].name, names.v[i], sizeof(v[n].name));
		}
		st_names_free(&names);
	}
	/* Names come from one counter per spool: they order all resources. */
	if (n > 1)
		qsort(v, n, sizeof(*v), st_entry_cmp);
	*out = v;
	*nout = n;
	return 0;
fail:
	hwlog("%s/%s/new: %s", sp->root, event_resource_name(r),
	    strerror(errno));
	free(v);
	return -1;
}

static void
st_put_header(FILE *fp, enum st_format fmt, int items)
{
	const char	sep = fmt == ST_CSV ? ',' : '\t';
	size_t		i;

	for (i = 0; i < NELEM(row_head_cols); i++)
		fprintf(fp, "%s%c", row_head_cols[i].header, sep);
	fprintf(fp, "items%cid%cfile", sep, sep);
	if (items) {
		fprintf(fp, "%citem_index", sep);
		for (i = 0; i < NELEM(item_cols); i++)
			fprintf(fp, "%c%s", sep, item_cols[i].header);
	}
	fputs(fmt == ST_CSV ? "\r\n" : "\n", fp);
}

int
st_cat(const struct st_spool *sp, const struct st_resources *rs,
    enum st_format fmt, int items)
{
	struct st_entry	*v;
	size_t		 n, i;
	int		 rc = 0, r;

	if (st_entries_load(sp, rs, &v, &n) == -1)
		return EX_TEMPFAIL;
	if (fmt != ST_JSONL)
		st_put_header(stdout, fmt, items);
	if (rs->stdin_rows && (rc = st_cat_stdin(fmt, items)) == EX_TEMPFAIL) {
		free(v);
		return rc;
	}
	for (i = 0; i < n; i++) {
		if ((r = st_cat_one(sp, &v[i], fmt, items)) == EX_TEMPFAIL) {
			rc = r;
			break;
		}
		if (r != 0)
			rc = r;
	}
	free(v);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		hwlog("standard output: %s", strerror(errno));
		return EX_IOERR;
	}
	return rc;
}

/* Parse a row strictly.  Returns the object, or NULL. */
static struct json_object *
st_parse_row(const char *buf, size_t len)
{
	struct json_tokener	*tok;
	struct json_object	*o;

	if ((tok = json_tokener_new_ex(ST_JSON_DEPTH)) == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	/* One line of JSON and its newline: nothing else. */
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	o = json_tokener_parse_ex(tok, buf, (int)len);
	if (o != NULL && (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len ||
	    !json_object_is_type(o, json_type_object))) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

static int
st_cat_one(const struct st_spool *sp, const struct st_entry *e,
    enum st_format fmt, int items)
{
	struct json_object	*row;
	char			 err[ST_ERR_MAX];
	char			*buf, *path;
	size_t			 len;
	int			 fd, r;

	if ((fd = st_subdir(sp, e->res, ST_NEW, 0)) == -1)
		return 0;	/* the resource went away: nothing to show */
	r = st_read(fd, e->name, &buf, &len, err, sizeof(err));
	close(fd);
	if (r == 1)
		return 0;	/* consumed since we listed it */
	if (r == -1) {
		hwlog("%s/%s/new/%s", sp->root, event_resource_name(e->res),
		    err);
		return errno == ENOMEM || errno == EIO ? EX_TEMPFAIL :
		    EX_DATAERR;
	}
	if (fmt == ST_JSONL) {
		fwrite(buf, 1, len, stdout);
		if (len == 0 || buf[len - 1] != '\n')
			putchar('\n');
		free(buf);
		return 0;
	}
	row = st_parse_row(buf, len);
	free(buf);
	if (row == NULL) {
		hwlog("%s/%s/new/%s: not a JSON object row: skipped",
		    sp->root, event_resource_name(e->res), e->name);
		return EX_DATAERR;
	}
	if (asprintf(&path, "%s/%s/new/%s", sp->root,
	    event_resource_name(e->res), e->name) == -1) {
		json_object_put(row);
		return EX_TEMPFAIL;
	}
	st_put_parsed(fmt, items, row, path);
	json_object_put(row);
	free(path);
	return 0;
}

/* The line(s) of one parsed row. */
static void
st_put_parsed(enum st_format fmt, int items, struct json_object *row,
    const char *path)
{
	struct json_object	*list;
	size_t			 i;

	list = st_path(row, "payload.metadata.items");
	if (!json_object_is_type(list, json_type_array))
		list = NULL;
	if (!items)
		st_put_row(stdout, fmt, row, path, list, (size_t)-1);
	else if (list != NULL)
		for (i = 0; i < json_object_array_length(list); i++)
			st_put_row(stdout, fmt, row, path, list, i);
}

/*
 * "-": rows read from stdin, one per line (a command under run gets its
 * row there); their file column is "-".
 */
static int
st_cat_stdin(enum st_format fmt, int items)
{
	struct json_object	*row;
	char			*line = NULL;
	size_t			 cap = 0;
	ssize_t			 n;
	int			 rc = 0;

	while ((n = getline(&line, &cap, stdin)) != -1) {
		if ((size_t)n > ST_ROW_MAX) {
			hwlog("standard input: row longer than %zu bytes",
			    ST_ROW_MAX);
			rc = EX_DATAERR;
			break;
		}
		if (fmt == ST_JSONL) {
			fwrite(line, 1, (size_t)n, stdout);
			if (line[n - 1] != '\n')
				putchar('\n');
			continue;
		}
		if ((row = st_parse_row(line, (size_t)n)) == NULL) {
			hwlog("standard input: not a JSON object row: "
			    "skipped");
			rc = EX_DATAERR;
			continue;
		}
		st_put_parsed(fmt, items, row, "-");
		json_object_put(row);
	}
	if (ferror(stdin)) {
		hwlog("standard input: %s", strerror(errno));
		rc = EX_TEMPFAIL;
	}
	free(line);
	return rc;
}

/* The value at a dotted path ("payload.user.id") in o, or NULL. */
static struct json_object *
st_path(struct json_object *o, const char *path)
{
	char		 key[64];
	const char	*dot;
	size_t		 n;

	while (o != NULL && *path != '\0') {
		if (!json_object_is_type(o, json_type_object))
			return NULL;
		dot = strchr(path, '.');
		n = dot != NULL ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		path += n + (dot != NULL);
	}
	return o;
}

/* The first of paths present (and not null) in o, or NULL. */
static struct json_object *
st_first(struct json_object *o, const char *const *paths)
{
	struct json_object	*v;

	for (; *paths != NULL; paths++)
		if ((v = st_path(o, *paths)) != NULL)
			return v;
	return NULL;
}

/* A value as field text: strings as they are, null as nothing, and
   anything else as its JSON. */
static void
st_put_value(FILE *fp, enum st_format fmt, struct json_object *v)
{
	const char	*s;
	size_t		 len;

	if (v == NULL) {
		st_put_field(fp, fmt, "", 0);
		return;
	}
	if (json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		len = (size_t)json_object_get_string_len(v);
	} else
		s = json_object_to_json_string_length(v,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
		    &len);
	st_put_field(fp, fmt, s != NULL ? s : "", s != NULL ? len : 0);
}

/*
 * One output line for row; with item != (size_t)-1, for that entry of
 * items, whose columns follow the row's.
 */
static void
st_put_row(FILE *fp, enum st_format fmt, struct json_object *row,
    const char *path, struct json_object *items, size_t item)
{
	const char		 sep = fmt == ST_CSV ? ',' : '\t';
	struct json_object	*it;
	char			 num[32];
	size_t			 i;

	for (i = 0; i < NELEM(row_head_cols); i++) {
		st_put_value(fp, fmt, st_first(row, row_head_cols[i].paths));
		putc(sep, fp);
	}
	if (items != NULL)
		fprintf(fp, "%zu", json_object_array_length(items));
	putc(sep, fp);
	st_put_value(fp, fmt, st_first(row, p_id));
	putc(sep, fp);
	st_put_field(fp, fmt, path, strlen(path));
	if (item != (size_t)-1) {
		snprintf(num, sizeof(num), "%zu", item);
		fprintf(fp, "%c%s", sep, num);
		it = json_object_array_get_idx(items, item);
		for (i = 0; i < NELEM(item_cols); i++) {
			putc(sep, fp);
			st_put_value(fp, fmt, st_first(it, item_cols[i].paths));
		}
	}
	fputs(fmt == ST_CSV ? "\r\n" : "\n", fp);
}

static int
st_csv_needs_quotes(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' ||
		    s[i] == '\n')
			return 1;
	return 0;
}

void
st_put_field(FILE *fp, enum st_format fmt, const char *s, size_t len)
{
	size_t	i;

	if (fmt == ST_CSV) {
		/* RFC 4180: quote the field, double the quotes inside. */
		if (!st_csv_needs_quotes(s, len)) {
			fwrite(s, 1, len, fp);
			return;
		}
		putc('"', fp);
		for (i = 0; i < len; i++) {
			if (s[i] == '"')
				putc('"', fp);
			putc(s[i], fp);
		}
		putc('"', fp);
		return;
	}
	/* TSV: one line per record, so escape what would break it. */
	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '\\':
			fputs("\\\\", fp);
			break;
		case '\t':
			fputs("\\t", fp);
			break;
		case '\n':
			fputs("\\n", fp);
			break;
		case '\r':
			fputs("\\r", fp);
			break;
		case '\0':
			fputs("\\0", fp);
			break;
		default:
			putc(s[i], fp);
		}
	}
}

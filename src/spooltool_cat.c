/* SPDX-License-Identifier: ISC */
/* spooltool_cat: humanos-spool ls and cat (SPEC section 8). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <json-c/json.h>

#include "hwlog.h"
#include "row.h"
#include "spoolfmt.h"
#include "spooltool.h"

/* One waiting row: which resource, and its name. */
struct hs_entry {
	enum resource	 res;
	char		 name[SF_NAME_LEN + 1];
};

#define HS_COLUMN_PATHS	5	/* paths of a column, with the NULL */

/* A column: its header and where its value is found. */
struct hs_column {
	const char	*header;
	const char	*paths[HS_COLUMN_PATHS];	/* first present wins */
};

/* The row columns before "items" and after it ("file" is computed). */
static const struct hs_column row_head_cols[] = {
	{ "received_at", { "received_at" } },
	{ "resource", { "resource" } },
	{ "event", { "event" } },
	{ "organization_id", { "payload.organizationId",
	    "payload.issuerDid" } },
	{ "process_id", { "payload.processId", "payload.requestId" } },
	{ "subject_id", { "payload.userId", "payload.professionalId",
	    "payload.user.id", "payload.user.did" } },
	{ "completed_at", { "payload.completedAt", "payload.rejectedAt",
	    "payload.decisionDate", "payload.decision.date" } },
};
static const struct hs_column id_col = { "id", { "id" } };

static const struct hs_column item_cols[] = {
	{ "item_id", { "itemId" } },
	{ "item_name", { "documentName", "consentName", "formId", "name" } },
	{ "item_decision_date", { "decisionDate", "decision.date" } },
	{ "item_rejected", { "rejected" } },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static struct json_object *hs_path(struct json_object *, const char *);
static int	 hs_entries_load(const struct hs_spool *,
		    const struct hs_resources *, struct hs_entry **, size_t *);
static int	 hs_cat_stdin(enum hs_format, int);
static void	 hs_put_parsed(enum hs_format, int, struct json_object *,
		    const char *);
static int	 hs_cat_one(const struct hs_spool *, const struct hs_entry *,
		    enum hs_format, int);
static void	 hs_put_row(FILE *, enum hs_format, struct json_object *,
		    const char *, struct json_object *, size_t);

int
hs_ls(const struct hs_spool *sp, const struct hs_resources *rs)
{
	struct hs_names	names;
	size_t		i;
	int		r, got;

	for (r = 0; r < RES__COUNT; r++) {
		if (!rs->on[r])
			continue;
		if ((got = hs_names_of(sp, r, SF_NEW, &names)) == 1)
			continue;	/* nothing written there yet */
		if (got == -1) {
			hwlog("%s/%s/" SF_NEW ": %s", sp->root,
			    event_resource_name(r), strerror(errno));
			return EX_TEMPFAIL;
		}
		for (i = 0; i < names.n; i++)
			printf("%s/%s/" SF_NEW "/%s\n", sp->root,
			    event_resource_name(r), names.v[i]);
		hs_names_free(&names);
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		return EX_IOERR;
	return 0;
}

static int
hs_entry_cmp(const void *a, const void *b)
{
	const struct hs_entry	*x = a, *y = b;
	int			 c = strcmp(x->name, y->name);

	return c != 0 ? c : (int)x->res - (int)y->res;
}

/* The waiting rows of every selected resource, in arrival order. */
static int
hs_entries_load(const struct hs_spool *sp, const struct hs_resources *rs,
    struct hs_entry **out, size_t *nout)
{
	struct hs_names	 names;
	struct hs_entry	*v = NULL, *p;
	size_t		 n = 0, i;
	int		 r, got;

	for (r = 0; r < RES__COUNT; r++) {
		if (!rs->on[r] ||
		    (got = hs_names_of(sp, r, SF_NEW, &names)) == 1)
			continue;
		if (got == -1)
			goto fail;
		if ((p = reallocarray(v, n + names.n + 1, sizeof(*v))) ==
		    NULL) {
			hs_names_free(&names);
			goto fail;
		}
		v = p;
		for (i = 0; i < names.n; i++, n++) {
			v[n].res = r;
			memcpy(v[n].name, names.v[i], sizeof(v[n].name));
		}
		hs_names_free(&names);
	}
	/* Names come from one counter per spool: they order all resources. */
	if (n > 1)
		qsort(v, n, sizeof(*v), hs_entry_cmp);
	*out = v;
	*nout = n;
	return 0;
fail:
	hwlog("%s/%s/" SF_NEW ": %s", sp->root, event_resource_name(r),
	    strerror(errno));
	free(v);
	return -1;
}

static void
hs_put_header(FILE *fp, enum hs_format fmt, int items)
{
	const char	sep = fmt == HS_CSV ? ',' : '\t';
	size_t		i;

	for (i = 0; i < NELEM(row_head_cols); i++)
		fprintf(fp, "%s%c", row_head_cols[i].header, sep);
	fprintf(fp, "items%cid%cfile", sep, sep);
	if (items) {
		fprintf(fp, "%citem_index", sep);
		for (i = 0; i < NELEM(item_cols); i++)
			fprintf(fp, "%c%s", sep, item_cols[i].header);
	}
	fputs(fmt == HS_CSV ? "\r\n" : "\n", fp);
}

int
hs_cat(const struct hs_spool *sp, const struct hs_resources *rs,
    enum hs_format fmt, int items)
{
	struct hs_entry	*v;
	size_t		 n, i;
	int		 rc = 0, r;

	if (hs_entries_load(sp, rs, &v, &n) == -1)
		return EX_TEMPFAIL;
	if (fmt != HS_JSONL)
		hs_put_header(stdout, fmt, items);
	if (rs->stdin_rows && (rc = hs_cat_stdin(fmt, items)) == EX_TEMPFAIL) {
		free(v);
		return rc;
	}
	for (i = 0; i < n; i++) {
		if ((r = hs_cat_one(sp, &v[i], fmt, items)) == EX_TEMPFAIL) {
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

static int
hs_cat_one(const struct hs_spool *sp, const struct hs_entry *e,
    enum hs_format fmt, int items)
{
	struct json_object	*row;
	char			 err[HS_ERR_MAX];
	char			*buf, *path;
	size_t			 len;
	int			 fd, r;

	if ((fd = hs_subdir(sp, e->res, SF_NEW, 0)) == -1)
		return 0;	/* the resource went away: nothing to show */
	r = hs_read(fd, e->name, &buf, &len, err, sizeof(err));
	close(fd);
	if (r == 1)
		return 0;	/* consumed since we listed it */
	if (r == -1) {
		hwlog("%s/%s/" SF_NEW "/%s", sp->root,
		    event_resource_name(e->res), err);
		return errno == ENOMEM || errno == EIO ? EX_TEMPFAIL :
		    EX_DATAERR;
	}
	if (fmt == HS_JSONL) {
		fwrite(buf, 1, len, stdout);
		if (len == 0 || buf[len - 1] != '\n')
			putchar('\n');
		free(buf);
		return 0;
	}
	row = row_parse(buf, len, HS_JSON_DEPTH);
	free(buf);
	if (row == NULL) {
		hwlog("%s/%s/" SF_NEW "/%s: not a JSON object row: skipped",
		    sp->root, event_resource_name(e->res), e->name);
		return EX_DATAERR;
	}
	if (asprintf(&path, "%s/%s/" SF_NEW "/%s", sp->root,
	    event_resource_name(e->res), e->name) == -1) {
		json_object_put(row);
		return EX_TEMPFAIL;
	}
	hs_put_parsed(fmt, items, row, path);
	json_object_put(row);
	free(path);
	return 0;
}

/* The line(s) of one parsed row. */
static void
hs_put_parsed(enum hs_format fmt, int items, struct json_object *row,
    const char *path)
{
	struct json_object	*list;
	size_t			 i;

	list = hs_path(row, "payload.metadata.items");
	if (!json_object_is_type(list, json_type_array))
		list = NULL;
	if (!items)
		hs_put_row(stdout, fmt, row, path, list, (size_t)-1);
	else if (list != NULL)
		for (i = 0; i < json_object_array_length(list); i++)
			hs_put_row(stdout, fmt, row, path, list, i);
}

/*
 * "-": rows read from stdin, one per line (a command under run gets its
 * row there); their file column is "-".
 */
static int
hs_cat_stdin(enum hs_format fmt, int items)
{
	struct json_object	*row;
	char			*line = NULL;
	size_t			 cap = 0;
	ssize_t			 n;
	int			 rc = 0;

	while ((n = getline(&line, &cap, stdin)) != -1) {
		if ((size_t)n > HS_ROW_MAX) {
			hwlog("standard input: row longer than %zu bytes",
			    HS_ROW_MAX);
			rc = EX_DATAERR;
			break;
		}
		if (fmt == HS_JSONL) {
			fwrite(line, 1, (size_t)n, stdout);
			if (line[n - 1] != '\n')
				putchar('\n');
			continue;
		}
		if ((row = row_parse(line, (size_t)n, HS_JSON_DEPTH)) == NULL) {
			hwlog("standard input: not a JSON object row: "
			    "skipped");
			rc = EX_DATAERR;
			continue;
		}
		hs_put_parsed(fmt, items, row, "-");
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
hs_path(struct json_object *o, const char *path)
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
hs_first(struct json_object *o, const char *const *paths)
{
	struct json_object	*v;

	for (; *paths != NULL; paths++)
		if ((v = hs_path(o, *paths)) != NULL)
			return v;
	return NULL;
}

/* A value as field text: strings as they are, null as nothing, and
   anything else as its JSON. */
static void
hs_put_value(FILE *fp, enum hs_format fmt, struct json_object *v)
{
	const char	*s;
	size_t		 len;

	if (v == NULL) {
		hs_put_field(fp, fmt, "", 0);
		return;
	}
	if (json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		len = (size_t)json_object_get_string_len(v);
	} else
		s = json_object_to_json_string_length(v,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
		    &len);
	hs_put_field(fp, fmt, s != NULL ? s : "", s != NULL ? len : 0);
}

/*
 * One output line for row; with item != (size_t)-1, for that entry of
 * items, whose columns follow the row's.
 */
static void
hs_put_row(FILE *fp, enum hs_format fmt, struct json_object *row,
    const char *path, struct json_object *items, size_t item)
{
	const char		 sep = fmt == HS_CSV ? ',' : '\t';
	struct json_object	*it;
	char			 num[32];
	size_t			 i;

	for (i = 0; i < NELEM(row_head_cols); i++) {
		hs_put_value(fp, fmt, hs_first(row, row_head_cols[i].paths));
		putc(sep, fp);
	}
	if (items != NULL)
		fprintf(fp, "%zu", json_object_array_length(items));
	putc(sep, fp);
	hs_put_value(fp, fmt, hs_first(row, id_col.paths));
	putc(sep, fp);
	hs_put_field(fp, fmt, path, strlen(path));
	if (item != (size_t)-1) {
		snprintf(num, sizeof(num), "%zu", item);
		fprintf(fp, "%c%s", sep, num);
		it = json_object_array_get_idx(items, item);
		for (i = 0; i < NELEM(item_cols); i++) {
			putc(sep, fp);
			hs_put_value(fp, fmt, hs_first(it, item_cols[i].paths));
		}
	}
	fputs(fmt == HS_CSV ? "\r\n" : "\n", fp);
}

static int
hs_csv_needs_quotes(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' ||
		    s[i] == '\n')
			return 1;
	return 0;
}

void
hs_put_field(FILE *fp, enum hs_format fmt, const char *s, size_t len)
{
	static const char	 esc[] = "\\\t\n\r", as[] = "\\tnr0";
	const char		*e;
	size_t			 i;

	if (fmt == HS_CSV) {
		/* RFC 4180: quote the field, double the quotes inside. */
		if (!hs_csv_needs_quotes(s, len)) {
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
	/* TSV: one line per record, so escape what would break it (the
	   NUL that ends esc[] too: sizeof counts it). */
	for (i = 0; i < len; i++) {
		if ((e = memchr(esc, s[i], sizeof(esc))) != NULL) {
			putc('\\', fp);
			putc(as[e - esc], fp);
		} else
			putc(s[i], fp);
	}
}

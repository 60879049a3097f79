/* SPDX-License-Identifier: ISC */
/*
 * humanos-spool: inspect and consume the spool (SPEC section 8).
 *
 *   humanos-spool [-d SPOOL | -c CONFIG [--profile NAME]] COMMAND ...
 *
 * main() finds the spool(s), parses the command's options and hands over
 * to spooltool_*.c; it alone exits.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"	/* autoconf's: PACKAGE_VERSION */
#include "hwlog.h"
#include "spooltool.h"

#define HS_MAX_SPOOLS	(CONFIG_MAX_PROFILES + 1)

/* Where the spool comes from, as the global options said. */
struct hs_where {
	const char	*dir;		/* -d */
	const char	*config;	/* -c, or the default path */
	const char	*profile;	/* --profile */
	int		 explicit_config;
};

static const char usage_text[] =
"usage: humanos-spool [-d SPOOL | -c CONFIG [--profile NAME]] COMMAND ...\n"
"\n"
"  ls    [RESOURCE...]                     waiting rows' paths, oldest first\n"
"  cat   [--format jsonl|tsv|csv] [--items] [RESOURCE...]\n"
"                                          waiting rows, in arrival order\n"
"  run   [--delete] [--max-attempts N] [--timeout S] [--max-backoff DURATION]\n"
"        RESOURCE -- COMMAND [ARG...]      feed each waiting row to COMMAND\n"
"  stats [--prometheus]                    rows per resource and state\n"
"  gc    [--older-than DURATION]           remove old done rows and records\n"
"  replay [--reason R] [--id ID] [--force]\n"
"                                          retry quarantined deliveries (-c)\n"
"  discard (--reason R | --id ID | --older-than DURATION)...\n"
"                                          give quarantined deliveries up\n"
"\n"
"RESOURCE: kyc signatures consents forms credentials otp other (ls, cat and\n"
"stats also know quarantine).  DURATION: 30d, 12h, 90m, 3600s.\n"
"Without -d or -c the configuration is $HUMANOS_WEBHOOK_CONFIG, else\n"
SYSCONFDIR "/humanos-webhook.conf.  See humanos-spool(1).\n";

static void __attribute__((noreturn))
usage(int code)
{
	fputs(usage_text, code == 0 ? stdout : stderr);
	exit(code);
}

static void __attribute__((noreturn))
die_usage(const char *msg)
{
	char	v[HWLOG_VAL_MAX];

	hwlog("op=usage result=error error=%s help=\"humanos-spool --help\"",
	    hwlog_val(msg, v, sizeof(v)));
	exit(EX_USAGE);
}

/* A problem with the configuration, as a key=value line. */
static void
hs_config_err(const char *path, const char *what)
{
	char	v[HWLOG_VAL_MAX], v2[HWLOG_VAL_MAX];

	hwlog("config=%s result=error error=%s", hwlog_val(path, v,
	    sizeof(v)), hwlog_val(what, v2, sizeof(v2)));
}

/* Add dir to the list unless it is already there (same directory). */
static int
hs_add_dir(const char **dirs, size_t *n, const char *dir)
{
	struct stat	a, b;
	size_t		i;

	for (i = 0; i < *n; i++)
		if (strcmp(dirs[i], dir) == 0 ||
		    (stat(dirs[i], &a) == 0 && stat(dir, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino))
			return 0;
	if (*n == HS_MAX_SPOOLS)
		return -1;
	dirs[(*n)++] = dir;
	return 0;
}

/*
 * The spool directories the configuration names: --profile's; else the
 * top level's; else, when every profile agrees, that one.  all: every
 * distinct one (stats, replay) when no --profile is given.
 */
static int
hs_config_dirs(struct config *cfg, const char *profile, int all,
    const char **dirs, size_t *n)
{
	size_t	i;

	*n = 0;
	if (profile != NULL) {
		for (i = 0; i < cfg->nprofiles; i++)
			if (strcmp(cfg->profiles[i].name, profile) == 0)
				break;
		if (i == cfg->nprofiles) {
			hs_config_err(cfg->path, "no such profile");
			return EX_USAGE;
		}
		if (cfg->profiles[i].spool_dir == NULL) {
			hs_config_err(cfg->path, "the profile has no "
			    "spool_dir");
			return EX_CONFIG;
		}
		dirs[(*n)++] = cfg->profiles[i].spool_dir;
		return 0;
	}
	if (!all && cfg->profiles[0].spool_dir != NULL) {
		dirs[(*n)++] = cfg->profiles[0].spool_dir;
		return 0;
	}
	for (i = 0; i < cfg->nprofiles; i++)
		if (cfg->profiles[i].spool_dir != NULL &&
		    hs_add_dir(dirs, n, cfg->profiles[i].spool_dir) == -1)
			return EX_SOFTWARE;
	if (*n == 0) {
		hs_config_err(cfg->path, "no spool_dir");
		return EX_CONFIG;
	}
	if (*n > 1 && !all) {
		hs_config_err(cfg->path, "the profiles use different spools: "
		    "give --profile NAME (or -d SPOOL)");
		return EX_USAGE;
	}
	return 0;
}

/*
 * Open the spool(s) the options name.  cfg is loaded when a config is
 * used (and must then be freed).  Returns 0 or a sysexits code.
 */
static int
hs_open_spools(const struct hs_where *w, int all, struct config *cfg,
    struct hs_spool *sps, size_t *nsp)
{
	const char	*dirs[HS_MAX_SPOOLS];
	char		 err[CONFIG_ERR_MAX], *line, *save = NULL;
	char		 v[HWLOG_VAL_MAX], v2[HWLOG_VAL_MAX];
	size_t		 n, i;
	int		 rc;

	*nsp = 0;
	if (w->dir != NULL) {
		dirs[0] = w->dir;
		n = 1;
	} else {
		if (config_load(w->config, cfg, err, sizeof(err)) == -1) {
			/* One line per problem (they hold no secret). */
			for (line = strtok_r(err, "\n", &save); line != NULL;
			    line = strtok_r(NULL, "\n", &save))
				hs_config_err(w->config, line);
			return EX_CONFIG;
		}
		if ((rc = hs_config_dirs(cfg, w->profile, all, dirs, &n)) !=
		    0)
			return rc;
	}
	for (i = 0; i < n; i++) {
		if ((rc = hs_spool_open(&sps[i], dirs[i], err,
		    sizeof(err))) != 0) {
			hwlog("spool=%s result=error error=%s",
			    hwlog_val(dirs[i], v, sizeof(v)),
			    hwlog_val(err, v2, sizeof(v2)));
			hs_spool_close(&sps[i]);
			while (i-- > 0)
				hs_spool_close(&sps[i]);
			return rc;
		}
		(*nsp)++;
	}
	return 0;
}

enum hs_cmd {
	CMD_LS,
	CMD_CAT,
	CMD_RUN,
	CMD_STATS,
	CMD_GC,
	CMD_REPLAY,
	CMD_DISCARD
};

static const char *const hs_cmd_names[] = { "ls", "cat", "run", "stats",
	"gc", "replay", "discard" };

/* A command and its options, checked before the spool is touched. */
struct hs_args {
	enum hs_cmd		 cmd;
	struct hs_resources	 rs;
	enum hs_format		 fmt;
	int			 items;
	int			 prometheus;
	long long		 older_than;
	struct hs_run_opts	 run;
	struct hs_qopts		 q;		/* replay, discard */
};

static void
parse_resources(int argc, char **argv, int stdin_ok, struct hs_args *a)
{
	char	err[HS_ERR_MAX];

	if (hs_resources_parse(argc, argv, 1, stdin_ok, &a->rs, err,
	    sizeof(err)) == -1)
		die_usage(err);
}

static void
parse_ls(int argc, char **argv, struct hs_args *a)
{
	if (argc > 1 && argv[1][0] == '-')
		die_usage("ls: no options (ls [RESOURCE...])");
	parse_resources(argc - 1, argv + 1, 0, a);
}

static void
parse_cat(int argc, char **argv, struct hs_args *a)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "items", no_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 }
	};
	int	ch;

	a->fmt = HS_JSONL;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == 'i')
			a->items = 1;
		else if (ch == 'f' && strcmp(optarg, "jsonl") == 0)
			a->fmt = HS_JSONL;
		else if (ch == 'f' && strcmp(optarg, "tsv") == 0)
			a->fmt = HS_TSV;
		else if (ch == 'f' && strcmp(optarg, "csv") == 0)
			a->fmt = HS_CSV;
		else
			die_usage("cat: [--format jsonl|tsv|csv] [--items] "
			    "[RESOURCE...]");
	}
	if (a->items && a->fmt == HS_JSONL)
		die_usage("cat: --items needs --format tsv or csv");
	parse_resources(argc - optind, argv + optind, 1, a);
}

static void
parse_run(int argc, char **argv, struct hs_args *a)
{
	static const struct option longopts[] = {
		{ "delete", no_argument, NULL, 'D' },
		{ "max-attempts", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 't' },
		{ "max-backoff", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 }
	};
	struct hs_run_opts	*o = &a->run;
	long long		 v;
	int			 ch, dash;

	/* Options go anywhere before "--"; nothing after it is ours. */
	for (dash = 1; dash < argc && strcmp(argv[dash], "--") != 0; dash++)
		;
	if (dash >= argc - 1)
		die_usage("run: RESOURCE -- COMMAND [ARG...]");
	o->max_attempts = HS_ATTEMPTS_DEFAULT;
	o->max_backoff = HS_BACKOFF_DEFAULT;
	optind = 0;
	while ((ch = getopt_long(dash, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'D':
			o->delete = 1;
			break;
		case 'm':
			if (hs_parse_number(optarg, HS_ATTEMPTS_MAX, &v) ==
			    -1)
				die_usage("run: --max-attempts is a number "
				    "(0: no limit)");
			o->max_attempts = (long)v;
			break;
		case 't':
			if (hs_parse_seconds(optarg, &o->timeout_ms) == -1)
				die_usage("run: --timeout is seconds, more "
				    "than 0 and up to a week (0.5 allowed)");
			break;
		case 'b':
			if (hs_parse_duration(optarg, &o->max_backoff) == -1)
				die_usage("run: --max-backoff is a duration "
				    "(1h, 30m, 600s; 0: no backoff)");
			break;
		default:
			die_usage("run: [--delete] [--max-attempts N] "
			    "[--timeout S] [--max-backoff DURATION] "
			    "RESOURCE -- COMMAND [ARG...]");
		}
	}
	if (dash - optind != 1)
		die_usage("run: one RESOURCE, then -- COMMAND [ARG...]");
	if (event_resource_parse(argv[optind], &o->res) == -1)
		die_usage("run: unknown resource (kyc, signatures, consents, "
		    "forms, credentials, otp, other)");
	o->argv = argv + dash + 1;
}

/* replay [--reason R] [--id ID] [--force]; discard, the same but
   --older-than D for --force, and at least one of them. */
static void
parse_quarantine(int argc, char **argv, struct hs_args *a)
{
	static const struct option longopts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ "id", required_argument, NULL, 'i' },
		{ "force", no_argument, NULL, 'f' },
		{ "older-than", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct hs_qopts	*q = &a->q;
	int		 ch, discard = a->cmd == CMD_DISCARD;

	q->older_than = -1;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch == 'r' && hs_qopts_reason(optarg) == 0)
			q->reason = optarg;
		else if (ch == 'i' && hs_qopts_id(optarg, q) == 0)
			continue;
		else if (ch == 'f' && !discard)
			q->force = 1;
		else if (ch == 'o' && discard &&
		    hs_parse_duration(optarg, &q->older_than) == 0)
			continue;
		else
			break;
	}
	if (ch != -1 || optind != argc || (discard && q->reason == NULL &&
	    q->id[0] == '\0' && q->older_than == -1))
		die_usage(discard ? "discard: (--reason R | --id ID | "
		    "--older-than DURATION)..., R: stale_timestamp, "
		    "decrypt_failed or invalid_event; ID: 8 to 64 hex digits" :
		    "replay: [--reason R] [--id ID] [--force], R: "
		    "stale_timestamp, decrypt_failed or invalid_event; ID: 8 "
		    "to 64 hex digits");
}

static void
parse_cmd(int argc, char **argv, struct hs_args *a)
{
	size_t	i;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < sizeof(hs_cmd_names) / sizeof(hs_cmd_names[0]); i++)
		if (strcmp(argv[0], hs_cmd_names[i]) == 0)
			break;
	if (i == sizeof(hs_cmd_names) / sizeof(hs_cmd_names[0]))
		die_usage("unknown command");
	a->cmd = (enum hs_cmd)i;
	a->older_than = HS_GC_DEFAULT;
	switch (a->cmd) {
	case CMD_LS:
		parse_ls(argc, argv, a);
		break;
	case CMD_CAT:
		parse_cat(argc, argv, a);
		break;
	case CMD_RUN:
		parse_run(argc, argv, a);
		break;
	case CMD_STATS:
		if (argc == 2 && strcmp(argv[1], "--prometheus") == 0)
			a->prometheus = 1;
		else if (argc != 1)
			die_usage("stats: [--prometheus]");
		break;
	case CMD_GC:
		if (argc == 3 && strcmp(argv[1], "--older-than") == 0 &&
		    hs_parse_duration(argv[2], &a->older_than) == 0)
			break;
		if (argc == 2 && strncmp(argv[1], "--older-than=", 13) == 0 &&
		    hs_parse_duration(argv[1] + 13, &a->older_than) == 0)
			break;
		if (argc != 1)
			die_usage("gc: [--older-than DURATION] (30d, 12h, "
			    "90m, 3600s)");
		break;
	case CMD_REPLAY:
	case CMD_DISCARD:
		parse_quarantine(argc, argv, a);
		break;
	}
}

/* Global options; sets *cmd to the command's index in argv. */
static void
parse_global(int argc, char **argv, struct hs_where *w, int *cmd)
{
	static const struct option longopts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int	ch;

	memset(w, 0, sizeof(*w));
	while ((ch = getopt_long(argc, argv, "+c:d:h", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'c':
			w->config = optarg;
			w->explicit_config = 1;
			break;
		case 'd':
			w->dir = optarg;
			break;
		case 'p':
			w->profile = optarg;
			break;
		case 'h':
			usage(0);
		case 'V':
			printf("humanos-spool %s\n", PACKAGE_VERSION);
			exit(0);
		default:
			usage(EX_USAGE);
		}
	}
	if (w->dir != NULL && (w->config != NULL || w->profile != NULL))
		die_usage("-d SPOOL and -c CONFIG/--profile exclude each "
		    "other");
	if (w->dir == NULL && w->config == NULL)
		w->config = config_default_path();
	if (optind >= argc)
		usage(EX_USAGE);
	*cmd = optind;
}

int
main(int argc, char *argv[])
{
	struct hs_spool	 sps[HS_MAX_SPOOLS];
	struct hs_where	 w;
	struct hs_args	 a;
	struct config	 cfg;
	size_t		 nsp = 0, i;
	int		 ci, rc;

	hwlog_init("humanos-spool");
	memset(&cfg, 0, sizeof(cfg));
	parse_global(argc, argv, &w, &ci);
	parse_cmd(argc - ci, argv + ci, &a);
	if (a.cmd == CMD_REPLAY && w.dir != NULL)
		die_usage("replay needs the configuration (-c CONFIG), not -d");
	/* stats, replay and discard cover every spool of the configuration. */
	if ((rc = hs_open_spools(&w, a.cmd == CMD_STATS ||
	    a.cmd == CMD_REPLAY || a.cmd == CMD_DISCARD, &cfg, sps,
	    &nsp)) != 0) {
		config_free(&cfg);
		return rc;
	}
	switch (a.cmd) {
	case CMD_LS:
		rc = hs_ls(&sps[0], &a.rs);
		break;
	case CMD_CAT:
		rc = hs_cat(&sps[0], &a.rs, a.fmt, a.items);
		break;
	case CMD_RUN:
		rc = hs_run(&sps[0], &a.run);
		break;
	case CMD_STATS:
		rc = hs_stats(sps, nsp, a.prometheus);
		break;
	case CMD_GC:
		rc = hs_gc(&sps[0], a.older_than);
		break;
	case CMD_REPLAY:
		rc = hs_replay(&cfg, sps, nsp, &a.q);
		break;
	case CMD_DISCARD:
		rc = hs_discard(sps, nsp, &a.q);
		break;
	}
	for (i = 0; i < nsp; i++)
		hs_spool_close(&sps[i]);
	config_free(&cfg);
	return rc;
}

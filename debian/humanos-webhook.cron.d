# SPDX-License-Identifier: ISC
# /etc/cron.d/humanos-webhook: the spool's jobs, every one commented out.
# Uncomment the ones you need once /etc/humanos-webhook.conf is in place
# (see /usr/share/humanos-webhook/cron/crontab.example, the same jobs for
# `crontab -u humanos`, and humanos-spool(1)).  They run as humanos, the
# spool's owner.
#
# `run` is safe to start every minute: a run still busy when cron fires
# again keeps its rows (each row is claimed with a lock), the new run takes
# the others.  Commands must be idempotent: a row is handed out at least
# once.  Rows whose command fails 5 times move to <resource>/failed/; a
# hook that exits 75 (its database or file system unavailable) keeps the
# row waiting without counting a failure.

SHELL=/bin/sh
PATH=/usr/bin:/bin
SPOOL=/var/spool/humanos-webhook
HOOKS=/usr/lib/humanos-webhook
PGHOST=/var/run/postgresql
PGDATABASE=humanos
# The consents report; its directory must exist, writable by humanos.
HUMANOS_CONSENTS_CSV=/var/lib/humanos/consents.csv

# Every minute, per resource: feed waiting rows to a hook.
# load-postgres.sh's role needs the grants of schema.sql:
#   psql -d humanos -v loader=humanos -f /usr/share/humanos-webhook/cron/schema.sql
#* * * * *  humanos  humanos-spool -d $SPOOL run --timeout 60 consents -- $HOOKS/consents-to-csv.sh
#* * * * *  humanos  humanos-spool -d $SPOOL run --timeout 60 kyc -- $HOOKS/load-postgres.sh
#* * * * *  humanos  humanos-spool -d $SPOOL run --timeout 60 signatures -- $HOOKS/load-postgres.sh
#* * * * *  humanos  humanos-spool -d $SPOOL run --timeout 60 forms -- $HOOKS/load-postgres.sh
#* * * * *  humanos  humanos-spool -d $SPOOL run --timeout 60 credentials -- $HOOKS/load-postgres.sh
#* * * * *  humanos  humanos-spool -d $SPOOL run --timeout 60 otp -- $HOOKS/load-postgres.sh
#* * * * *  humanos  humanos-spool -d $SPOOL run --timeout 60 other -- $HOOKS/load-postgres.sh

# Daily: drop done rows older than 30 days (and exactly-once records older
# than that; records always live at least 7 days).  failed/ is never touched.
#17 3 * * *  humanos  humanos-spool -d $SPOOL gc --older-than 30d

# Every minute: metrics for node_exporter's textfile collector
# (its directory must be writable by humanos), written to a temporary file
# and renamed so the collector never reads half a file.
#* * * * *  humanos  humanos-spool -d $SPOOL stats --prometheus > /var/lib/node_exporter/textfile/humanos.prom.$$ && mv /var/lib/node_exporter/textfile/humanos.prom.$$ /var/lib/node_exporter/textfile/humanos.prom

"""An index for the access log's «Результат» filter (issue 16, item 2).

The log page lists records newest first (``ORDER BY id DESC``) with each filter in force. Person, action,
object and dates have their indexes (m0001, m0002; a date range becomes an id range); the outcome had none,
so «ошибка» or «отклонено» — rare in a log of millions — walked the whole table from the newest record
back (``SCAN audit_record`` in ``bench/audit_log.py``). An index on ``result`` holds its entries in id order
per outcome, so such a page reads only its own rows.
"""


def upgrade(db):
    db.execute_sql("CREATE INDEX IF NOT EXISTS audit_record_result ON audit_record (result)")

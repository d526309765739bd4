"""Make the audit log append-only in the database itself, start the chain, create the system actor."""

from django.db import migrations

TABLE = "governance_auditevent"

SQLITE_UP = [
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused'); END""",
]
SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS {TABLE}_no_update", f"DROP TRIGGER IF EXISTS {TABLE}_no_delete"]

PG_UP = [
    """CREATE OR REPLACE FUNCTION orbit_audit_append_only() RETURNS trigger AS $$
       BEGIN
         RAISE EXCEPTION USING
           MESSAGE = 'audit events are append-only: ' || TG_OP || ' refused',
           ERRCODE = 'insufficient_privilege';
       END; $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER {TABLE}_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION orbit_audit_append_only()""",
    f"""CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION orbit_audit_append_only()""",
]
PG_DOWN = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_update_delete ON {TABLE}",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}",
    "DROP FUNCTION IF EXISTS orbit_audit_append_only()",
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement)


def triggers_up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_UP)
    elif vendor == "postgresql":
        _run(schema_editor, PG_UP)
    else:
        raise RuntimeError(f"Orbit supports SQLite and PostgreSQL, not {vendor}")


def triggers_down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, SQLITE_DOWN if vendor == "sqlite" else PG_DOWN)


def chain_and_actor(apps, schema_editor):
    head_model = apps.get_model("governance", "AuditChainHead")
    head_model.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": "0" * 64})
    user_model = apps.get_model("auth", "User")
    if not user_model.objects.filter(username="orbit-system").exists():
        user_model.objects.create(
            username="orbit-system",
            first_name="Orbit",
            last_name="system",
            is_active=True,
            is_superuser=True,
            is_staff=False,
            password="!",  # unusable: the system account never logs in
        )


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(triggers_up, triggers_down),
        migrations.RunPython(chain_and_actor, migrations.RunPython.noop),
    ]

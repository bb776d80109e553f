"""Pure rules of the gateway: no Flask, no database, no clock."""

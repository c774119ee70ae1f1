"""The audit log: who did what, in which workspace, when and from where; written through ``services.record``."""

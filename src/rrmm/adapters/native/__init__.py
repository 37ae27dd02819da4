"""The native patient format rrmm.patient/1: document schema, reader and writer."""

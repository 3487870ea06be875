#!/usr/bin/env bash
# Placeholder: replaced by the owning work item.
echo "bench: not built yet"

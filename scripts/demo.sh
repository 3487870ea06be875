#!/usr/bin/env bash
# Placeholder: replaced by the owning work item.
echo "demo: not built yet"

#!/usr/bin/env bash
# Placeholder: replaced by the owning work item.
echo "test-js: not built yet"

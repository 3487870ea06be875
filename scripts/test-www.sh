#!/usr/bin/env bash
# Placeholder: replaced by the owning work item.
echo "test-www: not built yet"

#!/usr/bin/env python3
import sys
print("script", sys.argv[1:])

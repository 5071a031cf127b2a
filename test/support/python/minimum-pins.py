"""Prints the lowest version the wheel allows of each of its dependencies on this interpreter, as pip constraints.

Usage: python minimum-pins.py WHEEL > constraints.txt

Reads Requires-Dist from the wheel's METADATA, keeps the requirements whose environment marker holds on the running
interpreter, and turns each `>=X` into `name==X`. A requirement without a `>=` lower bound is an error: the minimum
set cannot be tested without one.
"""
import sys
import zipfile
from email.parser import Parser

from pip._vendor.packaging.requirements import Requirement


def requirements(wheel_path):
    with zipfile.ZipFile(wheel_path) as wheel:
        metadata = next(name for name in wheel.namelist() if name.endswith(".dist-info/METADATA"))
        message = Parser().parsestr(wheel.read(metadata).decode("utf-8"))
    return [Requirement(line) for line in message.get_all("Requires-Dist") or []]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: minimum-pins.py WHEEL")
    for requirement in requirements(sys.argv[1]):
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        lower = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        if len(lower) != 1:
            sys.exit(f"{requirement} has no single >= lower bound to pin")
        print(f"{requirement.name}=={lower[0]}")


if __name__ == "__main__":
    main()

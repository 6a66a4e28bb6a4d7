#!/usr/bin/env python3
"""Renames PascalCase test methods ([Fact]/[Theory]/[SkippableFact]/[SkippableTheory]) under tests/ to
snake_case sentences, the suite's one naming convention, and rewrites every reference in tracked files
outside operator/ (docs, scripts, --filter commands).

Rule: words are split at case changes; every word is lower-cased (acronyms too: Qemu -> qemu, Json -> json),
numbers stay words (Get401 -> get_401), a few fused tokens stay whole (qcow2, k3s, v1, pid1, mib, gib);
the sentence starts with a capital. A name that is also an identifier under operator/ is reported, not
renamed: replacing it as a word would rename production code.

  python3 tests/tools/test-names-as-sentences.py           # list what would change; exit 1 if anything would
  python3 tests/tools/test-names-as-sentences.py --apply   # rename
Run from the repository root.
"""
import pathlib
import re
import subprocess
import sys

ATTRIBUTE = re.compile(r'^\s*\[(Skippable)?(Fact|Theory)\b')
DECLARATION = re.compile(r'^\s*(public|private|internal|protected)[^=(]*?\b([A-Za-z_][A-Za-z0-9_]*)\s*[(<]')
FUSED = ['Qcow2', 'K3s', 'V1', 'Pid1s', 'Pid1', 'MiB', 'GiB', 'KiB']
WORD = re.compile('|'.join(FUSED) + r'|[A-Z]{2,}(?![a-z])|[A-Z]?[a-z]+|\d+|[A-Z]')


def sentence(name: str) -> str:
    words = WORD.findall(name)
    assert ''.join(words) == name, (name, words)
    text = '_'.join(w.lower() for w in words)
    return text[0].upper() + text[1:]


def test_method_names():
    for path in sorted(pathlib.Path('tests').rglob('*.cs')):
        if {'obj', 'bin'} & set(path.parts):
            continue
        lines = path.read_text().split('\n')
        for i, line in enumerate(lines):
            if not ATTRIBUTE.match(line):
                continue
            for following in lines[i + 1:i + 40]:
                declared = DECLARATION.match(following)
                if declared:
                    yield path, declared.group(2)
                    break


def main() -> int:
    tracked = subprocess.run(['git', 'ls-files'], capture_output=True, text=True, check=True).stdout.split()
    renames, manual = {}, []
    for path, name in test_method_names():
        if '_' in name:
            continue
        in_operator = subprocess.run(['git', 'grep', '-qw', name, '--', 'operator'], check=False).returncode == 0
        if in_operator:
            manual.append(f'{path}: {name} is also a production identifier; rename it by hand')
        else:
            renames[name] = sentence(name)
    for line in manual:
        print(line)
    if '--apply' not in sys.argv:
        for old, new in renames.items():
            print(f'{old} -> {new}')
        return 1 if renames or manual else 0
    if not renames:
        return 0
    pattern = re.compile(r'\b(' + '|'.join(sorted(renames, key=len, reverse=True)) + r')\b')
    for name in tracked:
        if name.startswith('operator/'):
            continue
        path = pathlib.Path(name)
        try:
            text = path.read_text()
        except (UnicodeDecodeError, IsADirectoryError, FileNotFoundError):
            continue
        renamed = pattern.sub(lambda m: renames[m.group(1)], text)
        if renamed != text:
            path.write_text(renamed)
            print('edited', name)
    return 1 if manual else 0


if __name__ == '__main__':
    sys.exit(main())

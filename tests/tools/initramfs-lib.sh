# Sourced by the scripts that build a busybox initramfs around Debian's kernel (tests/numa-lab/run.sh,
# tests/guest/build.sh): finding a static busybox and a kernel with modules, and copying modules in load order.
# Functions print a reason on stderr and return 1 when something is missing; the caller decides how to fail.

# initramfs_static_busybox: prints the path of a static busybox (a dynamic one cannot run without libc).
initramfs_static_busybox() {
  local b
  for b in /bin/busybox /usr/bin/busybox; do
    if [ -x "$b" ] && ! grep -qa '/ld-linux' "$b"; then echo "$b"; return 0; fi
  done
  echo "no static busybox found (apt-get install busybox-static)" >&2
  return 1
}

# initramfs_kernel: prints the newest /boot/vmlinuz-* whose /lib/modules tree exists.
initramfs_kernel() {
  local k
  for k in $(ls -1v /boot/vmlinuz-* 2>/dev/null | sort -rV); do
    if [ -r "$k" ] && [ -f "/lib/modules/${k#/boot/vmlinuz-}/modules.dep" ]; then echo "$k"; return 0; fi
  done
  echo "no readable kernel /boot/vmlinuz-* with modules (apt-get install linux-image-amd64)" >&2
  return 1
}

# initramfs_copy_modules MODDIR DEST ORDER_FILE NAME...: copies each named module and its dependencies (each once,
# dependencies first, decompressed) into DEST and writes their file names in load order to ORDER_FILE. A module
# built into the kernel needs nothing; one that is neither in modules.dep nor built in is an error.
initramfs_copy_modules() {
  local moddir=$1 dest=$2 order_file=$3 name path base
  shift 3
  local -A seen=()
  local order=()
  _initramfs_add() {
    local p=$1 line i
    [ -n "${seen[$p]:-}" ] && return 0
    seen[$p]=1
    line=$(grep -m1 "^$p:" "$moddir/modules.dep") || { echo "module $p not in $moddir/modules.dep" >&2; return 1; }
    # modules.dep lists the deepest dependency last: load in reverse.
    local deps=(${line#*:})
    for ((i = ${#deps[@]} - 1; i >= 0; i--)); do _initramfs_add "${deps[$i]}" || return 1; done
    order+=("$p")
  }
  for name in "$@"; do
    path=$(grep -m1 -oE "^[^:]*/$name\.ko(\.[a-z]+)?:" "$moddir/modules.dep" | tr -d :) || true
    if [ -z "$path" ]; then
      grep -qE "/$name\.ko" "$moddir/modules.builtin" 2>/dev/null \
        || { echo "module $name neither in modules.dep nor built in" >&2; return 1; }
      continue
    fi
    _initramfs_add "$path" || return 1
  done
  mkdir -p "$dest"
  : > "$order_file"
  for path in "${order[@]}"; do
    base=$(basename "$path")
    case "$base" in
      *.ko) cp "$moddir/$path" "$dest/$base" ;;
      *.ko.xz) xz -dc "$moddir/$path" > "$dest/${base%.xz}"; base=${base%.xz} ;;
      *.ko.zst) zstd -qdc "$moddir/$path" > "$dest/${base%.zst}"; base=${base%.zst} ;;
      *.ko.gz) gzip -dc "$moddir/$path" > "$dest/${base%.gz}"; base=${base%.gz} ;;
    esac
    echo "$base" >> "$order_file"
  done
}

# Shared by bench/run and bench/lsm (sourced; needs ROOT, GEN, FLINK_VERSION, CACHE and say()).

# ensure_savepoint FORM KEYS XMX: generates (once) the basic shape in FORM with KEYS keys, prints its folder.
ensure_savepoint() {
  local form="$1" keys="$2" xmx="$3" dir start
  dir="$CACHE/$FLINK_VERSION-basic-$form-${keys}keys"
  if [ ! -f "$dir/complete" ]; then
    say "generating $form with $keys keys into $dir (minutes)"
    rm -rf "$dir"; mkdir -p "$dir"
    start=$(date +%s)
    SAVEPOINT_JAVA_XMX="$xmx" "$GEN/generate" --flink "$FLINK_VERSION" --shape basic --form "$form" \
      --keys "$keys" --no-oracle true --out "$dir/out" >"$dir/generate.log" 2>&1 \
      || { tail -n 40 "$dir/generate.log" >&2; exit 1; }
    echo $(( $(date +%s) - start )) > "$dir/generate.seconds"
    touch "$dir/complete"
  fi
  echo "$dir"
}

# link_sst_tables SAVEPOINT FOLDER: links the savepoint's SST tables (found by the block-based table magic in
# their last 8 bytes; SSTs under Flink's inline threshold live in _metadata) as FOLDER/N.sst, so sst_dump takes
# the folder; sets sst_count and sst_bytes.
link_sst_tables() {
  local f
  mkdir -p "$2"
  sst_bytes=0; sst_count=0
  for f in "$1"/*; do
    if [ "$(tail -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = f7cff485b741e288 ]; then
      sst_count=$((sst_count + 1)); sst_bytes=$((sst_bytes + $(stat -c %s "$f")))
      ln -s "$f" "$2/$sst_count.sst"
    fi
  done
}

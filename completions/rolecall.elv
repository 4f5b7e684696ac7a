
set edit:completion:arg-completer[rolecall] = { |@words|
    var index = (count $words)
    set index = (- $index 1)

    put (env _CLAP_IFS="\n" _CLAP_COMPLETE_INDEX=(to-string $index) ROLECALL_COMPLETE="elvish" rolecall -- $@words) | to-lines
}


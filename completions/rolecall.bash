
_clap_complete_rolecall() {
    local IFS=$'\013'
    local _CLAP_COMPLETE_INDEX=${COMP_CWORD}
    local _CLAP_COMPLETE_COMP_TYPE=${COMP_TYPE}
    if compopt +o nospace 2> /dev/null; then
        local _CLAP_COMPLETE_SPACE=false
    else
        local _CLAP_COMPLETE_SPACE=true
    fi
    local words=("${COMP_WORDS[@]}")
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        words[COMP_CWORD]="$2"
    fi
    local _rolecall_out _rolecall_status _rolecall_word
    local -a _rolecall_words
    _rolecall_out=$( \
        _CLAP_IFS="$IFS" \
        _CLAP_COMPLETE_INDEX="$_CLAP_COMPLETE_INDEX" \
        _CLAP_COMPLETE_COMP_TYPE="$_CLAP_COMPLETE_COMP_TYPE" \
        _CLAP_COMPLETE_SPACE="$_CLAP_COMPLETE_SPACE" \
        ROLECALL_COMPLETE="bash" \
        "rolecall" -- "${words[@]}" \
    )
    _rolecall_status=$?
    COMPREPLY=()
    read -r -d '' -a _rolecall_words < <(printf '%s' "${_rolecall_out%$'\n'}")
    for _rolecall_word in "${_rolecall_words[@]}"; do
        COMPREPLY+=("$(printf '%q' "$_rolecall_word")")
    done
    if [[ $_rolecall_status != 0 ]]; then
        unset COMPREPLY
    elif [[ $_CLAP_COMPLETE_SPACE == false ]] && [[ "${COMPREPLY-}" =~ [=/:]$ ]]; then
        compopt -o nospace
    fi
}
if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -o nospace -o bashdefault -o nosort -F _clap_complete_rolecall rolecall
else
    complete -o nospace -o bashdefault -F _clap_complete_rolecall rolecall
fi


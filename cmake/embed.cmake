# Turns one bpfsrc/ file into a C array, so installed tools need no source files beside
# them. Run as: cmake -DIN=file -DOUT=file.c -DSYM=name -P embed.cmake
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" n)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
# Wrap the byte list every 32 bytes to keep the generated file readable by editors.
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){32})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}" "/* Generated from ${IN} by cmake/embed.cmake. Do not edit. */\n"
                    "const char ${SYM}[] = {\n${bytes}0x00};\n")

/* placeholder */ typedef int ls_placeholder;

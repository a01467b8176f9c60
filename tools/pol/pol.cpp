// The pol program: the command of main.cpp.
int pol_cli_main(int argc, char** argv);

int main(int argc, char** argv) { return pol_cli_main(argc, argv); }

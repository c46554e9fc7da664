"""What the `notifier` command line needs beside the commands themselves: the error boundary
(`errors`), the listening socket (`listen`) and the state `make run` leaves for the commands
run beside it (`devrun`)."""

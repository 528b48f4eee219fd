/* Wrong: not a stork implementation (no stork_impl_get). */
int not_stork(void);
int not_stork(void)
{
    return 0;
}

/* Prints a greeting on UART0 and powers off through the finisher (exit status 0). */
typedef unsigned int uint32_t;
typedef int int32_t;
typedef unsigned char uint8_t;
#define UART0 ((volatile uint8_t *)0x10000000)

int main(void) {
  const char *s = "Hello from bare metal!\n";
  while (*s) {
    while ((UART0[5] & 0x20) == 0) {
    }
    UART0[0] = (uint8_t)*s++;
  }
  return 0;
}

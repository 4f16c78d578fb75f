package io.otelauto.launcher;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.FieldVisitor;
import net.bytebuddy.jar.asm.Handle;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;

/** A class file as text that two layouts of the same class share (read with Byte Buddy's copy of ASM). */
final class ClassStructure {
  private ClassStructure() {}

  /**
   * What a class file says, without how it is laid out: the JVM rebuilds a class file from the loaded class
   * at each retransformation, and two rebuilds of one class may order their constant pool, or write a float
   * constant, differently. So: the class's header, fields and methods (sorted), each method's instructions
   * with their operands by name and its exception table; not the stack maps or debug tables.
   */
  static String of(byte[] classFile) {
    StringBuilder header = new StringBuilder();
    List<String> members = new ArrayList<>();
    new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9) {
      @Override
      public void visit(int version, int access, String name, String signature, String superName, String[] interfaces) {
        header.append(access).append(' ').append(name).append(" extends ").append(superName).append(" implements ")
            .append(Arrays.toString(interfaces)).append('\n');
      }

      @Override
      public FieldVisitor visitField(int access, String name, String descriptor, String signature, Object value) {
        members.add("field " + access + ' ' + name + ' ' + descriptor + " = " + value);
        return null;
      }

      @Override
      public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
        StringBuilder method = new StringBuilder("method ").append(access).append(' ').append(name).append(descriptor)
            .append('\n');
        members.add(null);
        int slot = members.size() - 1;
        Map<Label, Integer> labels = new HashMap<>();
        return new MethodVisitor(Opcodes.ASM9) {
          /** Labels by order of first mention, the same in two readings of the same code. */
          private String label(Label label) {
            return "L" + labels.computeIfAbsent(label, unused -> labels.size());
          }

          private void line(Object... parts) {
            for (Object part : parts) {
              if (part instanceof Label[] targets) {
                for (Label target : targets) {
                  method.append(label(target)).append(',');
                }
              } else {
                method.append(part instanceof Label target ? label(target)
                    : part instanceof Object[] array ? Arrays.deepToString(array) : String.valueOf(part));
              }
              method.append(' ');
            }
            method.append('\n');
          }

          @Override public void visitInsn(int opcode) { line(opcode); }
          @Override public void visitIntInsn(int opcode, int operand) { line(opcode, operand); }
          @Override public void visitVarInsn(int opcode, int variable) { line(opcode, variable); }
          @Override public void visitTypeInsn(int opcode, String type) { line(opcode, type); }
          @Override public void visitFieldInsn(int opcode, String owner, String name, String descriptor) {
            line(opcode, owner, name, descriptor);
          }
          @Override public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean itf) {
            line(opcode, owner, name, descriptor, itf);
          }
          @Override public void visitInvokeDynamicInsn(String name, String descriptor, Handle bootstrap, Object... arguments) {
            line("indy", name, descriptor, bootstrap, arguments);
          }
          @Override public void visitJumpInsn(int opcode, Label label) { line(opcode, label); }
          @Override public void visitLabel(Label label) { line("label", label); }
          @Override public void visitLdcInsn(Object value) { line("ldc", value.getClass().getSimpleName(), value); }
          @Override public void visitIincInsn(int variable, int increment) { line("iinc", variable, increment); }
          @Override public void visitTableSwitchInsn(int min, int max, Label dflt, Label... targets) {
            line("tableswitch", min, max, dflt, targets);
          }
          @Override public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] targets) {
            line("lookupswitch", dflt, Arrays.toString(keys), targets);
          }
          @Override public void visitMultiANewArrayInsn(String descriptor, int dimensions) {
            line("multianewarray", descriptor, dimensions);
          }
          @Override public void visitTryCatchBlock(Label start, Label end, Label handler, String type) {
            line("try", start, end, handler, type);
          }
          @Override public void visitEnd() {
            members.set(slot, method.toString());
          }
        };
      }
    }, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
    Collections.sort(members);
    return header + String.join("\n", members);
  }
}
